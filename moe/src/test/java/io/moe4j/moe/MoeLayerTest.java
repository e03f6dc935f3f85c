package io.moe4j.moe;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.autograd.GradCheck;
import io.moe4j.autograd.Var;
import io.moe4j.nn.KvCache;
import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.LlamaModel;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The fast MoE layer against the token-by-token oracle, and float64 gradient checks. */
class MoeLayerTest {
    static final int C = 6;

    static List<Arguments> gates() {
        return List.of(
                Arguments.of(MoeSpec.llamaMoe(new int[] {4, 4, 3, 5}, 2)),
                Arguments.of(MoeSpec.llamaMoe(new int[] {3, 3, 3}, 1).withGate(GateType.TOP_K_NOISY, GateNetwork.LINEAR)),
                Arguments.of(MoeSpec.llamaMoe(new int[] {4, 4, 4, 4}, 1).withGate(GateType.SWITCH, GateNetwork.LINEAR).withScale(1)),
                Arguments.of(MoeSpec.llamaMoe(new int[] {4, 4, 4, 4}, 2).withGate(GateType.MIXTRAL, GateNetwork.LINEAR).withScale(1)),
                Arguments.of(MoeSpec.llamaMoe(new int[] {3, 3, 3}, 2).withResidual(new int[] {4, 2}, 1.5)));
    }

    static MoeFfn layer(MoeSpec spec, DType dtype, long seed) {
        return layer(spec, dtype, seed, C);
    }

    static MoeFfn layer(MoeSpec spec, DType dtype, long seed, int dim) {
        MoeFfn f = new MoeFfn(dim, spec, dtype, seed);
        // larger router weights than the 0.02 default, so routing is not near-uniform in tests
        for (var p : f.gate().namedParams().values())
            if (!p.name().startsWith("weight_noise")) io.moe4j.tensor.Backends.current().copyInto(p.data(), Tensor.randn(seed + 7, dtype, 0.8, p.shape()));
        for (var p : f.experts().namedParams().values())
            io.moe4j.tensor.Backends.current().copyInto(p.data(), Tensor.randn(seed + p.name().hashCode(), dtype, 0.5, p.shape()));
        if (f.residual() != null)
            for (var p : f.residual().namedParams().values())
                io.moe4j.tensor.Backends.current().copyInto(p.data(), Tensor.randn(seed + 31 * p.name().hashCode(), dtype, 0.5, p.shape()));
        return f;
    }

    @ParameterizedTest
    @MethodSource("gates")
    void fastLayerMatchesTheOracleForwardAndBackward(MoeSpec spec) {
        MoeFfn f = layer(spec, DType.F64, 11);
        f.eval();
        Tensor xData = Tensor.randn(3, DType.F64, 1, 9, C);
        Var x1 = Var.param(xData), x2 = Var.param(xData.to(DType.F64));
        Var fast = f.forward(x1);
        DenseMoEReference.Result ref = DenseMoEReference.forward(f, x2);
        assertArrayEquals(ref.output().data().toDoubleArray(), fast.data().toDoubleArray(), 1e-12, "forward");
        assertEquals(ref.aux().data().item(), f.auxLoss().data().item(), 1e-12, "aux loss");
        Tensor seed = Tensor.randn(5, DType.F64, 1, 9, C);
        // gradients of output·seed + aux, parameter by parameter
        List<double[]> gFast = grads(f, () -> { fast.backward(seed); f.auxLoss().backward(); }, x1);
        List<double[]> gRef = grads(f, () -> { ref.output().backward(seed); ref.aux().backward(); }, x2);
        for (int i = 0; i < gFast.size(); i++) assertArrayEquals(gRef.get(i), gFast.get(i), 1e-10, "gradient " + i);
    }

    @ParameterizedTest
    @MethodSource("gates")
    void fusedExpertsMatchTheComposedOpsInF32AndF64(MoeSpec spec) {
        for (DType dtype : new DType[] {DType.F64, DType.F32}) {
            MoeFfn f = layer(spec, dtype, 13);
            f.train(true);
            Tensor xData = Tensor.randn(6, dtype, 1, 2, 11, C), seed = Tensor.randn(7, dtype, 1, 2, 11, C);
            List<double[]> got = new ArrayList<>(), want = new ArrayList<>();
            for (boolean fused : new boolean[] {true, false}) {
                f.useFusedExperts(fused);
                f.gate().setNoiseState(5, 0); // the same noise, so the same routing
                Var x = Var.param(xData);
                Var y = f.forward(x);
                (fused ? got : want).add(y.data().toDoubleArray());
                (fused ? got : want).addAll(grads(f, () -> { y.backward(seed); if (f.auxLoss() != null) f.auxLoss().backward(); }, x));
            }
            double tol = dtype == DType.F64 ? 1e-12 : 2e-5;
            for (int i = 0; i < got.size(); i++) assertArrayEquals(want.get(i), got.get(i), tol, dtype + " output/gradient " + i);
        }
    }

    @Test
    void fusedExpertsGiveTheSameBitsOnOneAndTwoThreads() {
        MoeFfn f = layer(MoeSpec.llamaMoe(new int[] {40, 40, 24, 40}, 2), DType.F32, 17, 32);
        Tensor xData = Tensor.randn(8, DType.F32, 1, 300, 32), seed = Tensor.randn(9, DType.F32, 1, 300, 32);
        List<List<double[]>> runs = new ArrayList<>();
        for (int threads : new int[] {1, 2})
            io.moe4j.tensor.cpu.Parallel.withThreads(threads, () -> {
                f.gate().setNoiseState(5, 0);
                Var x = Var.param(xData);
                Var y = f.forward(x);
                List<double[]> r = new ArrayList<>();
                r.add(y.data().toDoubleArray());
                r.addAll(grads(f, () -> { y.backward(seed); f.auxLoss().backward(); }, x));
                runs.add(r);
            });
        for (int i = 0; i < runs.get(0).size(); i++) assertArrayEquals(runs.get(0).get(i), runs.get(1).get(i), 0.0, "output/gradient " + i);
    }

    /** Runs backward and collects dL/dx and every parameter gradient (then clears them). */
    private static List<double[]> grads(MoeFfn f, Runnable backward, Var x) {
        for (Var p : f.parameters()) p.clearGrad();
        backward.run();
        List<double[]> out = new ArrayList<>();
        out.add(x.grad().toDoubleArray());
        for (Var p : f.parameters()) out.add(p.grad() == null ? new double[p.data().numel()] : p.grad().toDoubleArray());
        for (Var p : f.parameters()) p.clearGrad();
        return out;
    }

    @ParameterizedTest
    @MethodSource("gates")
    void layerPassesGradCheckInTrainingModeWithFixedNoise(MoeSpec spec) {
        MoeFfn f = layer(spec, DType.F64, 21);
        f.train(true);
        List<Var> params = f.parameters();
        Tensor[] inputs = new Tensor[params.size() + 1];
        inputs[0] = Tensor.randn(4, DType.F64, 1, 2, 5, C);
        for (int i = 0; i < params.size(); i++) inputs[i + 1] = params.get(i).data();
        GradCheck.check("MoE layer " + spec.gate() + "/" + spec.network(), GradCheck.Options.defaults().withTolerance(1e-5, 1e-6), v -> {
            List<Var> ps = new ArrayList<>();
            for (int i = 1; i < v.length; i++) ps.add(v[i]);
            f.bindParameters(ps);
            f.gate().setNoiseState(99, 0); // the same noise at every evaluation
            Var y = f.forward(v[0]);
            Var aux = f.auxLoss();
            return aux == null ? y.reshape(-1) : Var.concat(List.of(y.reshape(-1), aux.reshape(1)), 0);
        }, inputs);
    }

    @Test
    void routerGetsGradientThroughScores() {
        MoeFfn f = layer(MoeSpec.llamaMoe(new int[] {4, 4, 4, 4}, 2), DType.F32, 5);
        f.eval();
        Var y = f.forward(Var.constant(Tensor.randn(8, DType.F32, 1, 4, C)));
        y.square().sumAll().backward();
        double norm = 0;
        for (double g : f.gate().w1().var().grad().toDoubleArray()) norm += g * g;
        assertTrue(norm > 0, "the router learns: its weight gradient is non-zero");
    }

    @Test
    void secondBackwardThroughTheSameOutputIsRefusedClearly() {
        MoeFfn f = layer(MoeSpec.llamaMoe(new int[] {4, 4, 4, 4}, 2), DType.F32, 5);
        f.eval();
        Var y = f.forward(Var.param(Tensor.randn(8, DType.F32, 1, 4, C)));
        Tensor g = Tensor.randn(9, DType.F32, 1, 4, C);
        y.backward(g);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.backward(g));
        assertTrue(e.getMessage().contains("second backward"), e.getMessage());
    }

    @Test
    void decodePathMatchesBatchForward() {
        LlamaConfig cfg = LlamaConfig.llama2c(C * 2, 16, 2, 2, 1, 20, 16, true);
        LlamaModel m = LlamaModel.random(cfg, DType.F32, 3);
        for (int l = 0; l < cfg.nLayers(); l++)
            m.layer(l).setFfn(layer(MoeSpec.llamaMoe(new int[] {4, 4, 4, 4}, 2).withScale(2).withResidual(l == 0 ? new int[] {5} : new int[0], 1), DType.F32, 40 + l, cfg.dim()));
        m.eval();
        int[] tokens = {1, 5, 7, 3, 9};
        Tensor logits = m.forward(new int[][] {tokens}).data();
        KvCache cache = m.newKvCache();
        for (int p = 0; p < tokens.length; p++) {
            float[] step = m.forwardToken(tokens[p], p, cache);
            for (int v = 0; v < cfg.vocabSize(); v++)
                assertEquals(logits.get(0, p, v), step[v], 2e-4, "position " + p + " logit " + v);
        }
    }

    @Test
    void badSpecsFailBeforeAnyWork() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MoeSpec.llamaMoe(new int[] {4, 4}, 3));
        assertTrue(e.getMessage().contains("top-k = 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GateType.parse("nope"));
        assertThrows(IllegalArgumentException.class, () -> MoeSpec.llamaMoe(new int[] {4, 0}, 1));
    }
}
