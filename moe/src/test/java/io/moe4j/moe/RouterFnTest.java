package io.moe4j.moe;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.autograd.GradCheck;
import io.moe4j.autograd.Var;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.cpu.Parallel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The fused router ({@link RouterFn}) against the composed autograd router, its kernels, and a float64 GradCheck. */
class RouterFnTest {
    static final int C = 7;

    static List<Arguments> specs() {
        return List.of(
                Arguments.of(MoeSpec.llamaMoe(new int[] {4, 4, 3, 5}, 2), true),
                Arguments.of(MoeSpec.llamaMoe(new int[] {4, 4, 3, 5}, 2), false), // eval: no noise, load = counts
                Arguments.of(MoeSpec.llamaMoe(new int[] {3, 3, 3}, 1).withGate(GateType.TOP_K_NOISY, GateNetwork.LINEAR), true),
                Arguments.of(MoeSpec.llamaMoe(new int[] {2, 2, 2}, 3), true), // k = N: every expert in, load = counts
                Arguments.of(new MoeSpec(new int[] {2, 2, 2, 2, 2}, 2, GateType.TOP_K_NOISY, GateNetwork.MLP, 2.5, 0, true, 0.01), true));
    }

    static MoeFfn layer(MoeSpec spec, DType dtype, long seed) {
        MoeFfn f = MoeLayerTest.layer(spec, dtype, seed, C);
        // a non-zero noise network, so σ varies and its gradient path is exercised
        Tensor wn = f.gate().noiseWeight().data();
        io.moe4j.tensor.Backends.current().copyInto(wn, Tensor.randn(seed + 3, dtype, 0.6, wn.shape()));
        return f;
    }

    /** Scores, aux and every gradient of Σ scores·s + 3·aux, from the fused or the composed router. */
    static List<double[]> run(MoeFfn f, boolean fused, Tensor xData, long noise) {
        TopKGate g = f.gate();
        g.useFusedRouter(fused);
        g.setNoiseState(noise, 0);
        Var x = Var.param(xData);
        TopKGate.Routed r = g.route(x);
        Tensor s = Tensor.randn(41, xData.dtype(), 1, r.scores().shape());
        Var loss = r.scores().mul(Var.constant(s)).sumAll();
        if (r.aux() != null) loss = loss.add(r.aux().scale(3));
        for (Var p : g.parameters()) p.clearGrad();
        loss.backward();
        List<double[]> out = new ArrayList<>();
        out.add(r.scores().data().toDoubleArray());
        out.add(new double[] {r.aux() == null ? Double.NaN : r.aux().data().item()});
        double[] ids = new double[r.experts().length * r.experts()[0].length];
        for (int i = 0; i < ids.length; i++) ids[i] = r.experts()[i / r.experts()[0].length][i % r.experts()[0].length];
        out.add(ids);
        out.add(x.grad().toDoubleArray());
        for (Var p : g.parameters()) out.add(p.grad() == null ? new double[p.data().numel()] : p.grad().toDoubleArray());
        return out;
    }

    @ParameterizedTest
    @MethodSource("specs")
    void fusedRouterMatchesTheComposedOnes(MoeSpec spec, boolean training) {
        for (DType dtype : new DType[] {DType.F64, DType.F32}) {
            MoeFfn f = layer(spec, dtype, 5);
            f.train(training);
            Tensor x = Tensor.randn(9, dtype, 1, 300, C); // two token blocks
            List<double[]> got = run(f, true, x, 77), want = run(f, false, x, 77);
            double tol = dtype == DType.F64 ? 1e-11 : 3e-5;
            String[] what = {"scores", "aux", "experts", "dL/dx", "dL/dW"};
            for (int i = 0; i < got.size(); i++)
                assertArrayEquals(want.get(i), got.get(i), i == 2 ? 0 : tol * (1 + maxAbs(want.get(i))), dtype + " " + what[Math.min(i, 4)] + " " + i);
        }
    }

    @Test
    void fusedRouterPassesGradCheck() {
        MoeSpec spec = MoeSpec.llamaMoe(new int[] {3, 3, 3, 3}, 2);
        for (GateNetwork net : GateNetwork.values()) {
            MoeFfn f = layer(spec.withGate(GateType.TOP_K_NOISY, net), DType.F64, 8);
            f.train(true);
            TopKGate g = f.gate();
            List<Var> params = g.parameters();
            Tensor[] inputs = new Tensor[params.size() + 1];
            inputs[0] = Tensor.randn(4, DType.F64, 1, 6, C);
            for (int i = 0; i < params.size(); i++) inputs[i + 1] = params.get(i).data();
            GradCheck.check("fused router " + net, GradCheck.Options.defaults().withTolerance(1e-5, 1e-6), v -> {
                List<Var> ps = new ArrayList<>(List.of(v).subList(1, v.length));
                g.bindParameters(ps);
                g.setNoiseState(12, 0);
                TopKGate.Routed r = g.route(v[0]);
                return Var.concat(List.of(r.scores().reshape(-1), r.aux().reshape(1)), 0);
            }, inputs);
        }
    }

    @Test
    void sameBitsOnOneAndTwoThreads() {
        MoeFfn f = layer(MoeSpec.llamaMoe(new int[] {8, 8, 8, 8, 8, 8, 8, 8}, 2), DType.F32, 6);
        f.train(true);
        Tensor x = Tensor.randn(2, DType.F32, 1, 700, C);
        List<List<double[]>> runs = new ArrayList<>();
        for (int threads : new int[] {1, 2}) Parallel.withThreads(threads, () -> runs.add(run(f, true, x, 9)));
        for (int i = 0; i < runs.get(0).size(); i++) assertArrayEquals(runs.get(0).get(i), runs.get(1).get(i), 0.0, "output/gradient " + i);
    }

    /** The router's double arithmetic (Math.exp, Math.log) and its GEMMs give the same bits interpreted and compiled. */
    @Test
    void interpretedJvmComputesTheSameBits(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        for (int warm = 0; warm < 1500; warm++) Probe.digest(); // let C2 compile this JVM's copy
        String here = Probe.digest();
        List<String> cmd = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xint", "-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        java.nio.file.Path log = tmp.resolve("probe.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(3, java.util.concurrent.TimeUnit.MINUTES), "interpreted probe timed out");
        String out = java.nio.file.Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains(here), "interpreted JVM printed " + out.strip() + ", compiled JVM computed " + here);
    }

    /** A digest of the fused router's weights, loss and gradients on fixed inputs (training mode, noise on). */
    public static final class Probe {
        static String digest() {
            MoeFfn f = layer(MoeSpec.llamaMoe(new int[] {8, 8, 8, 8, 8}, 2), DType.F32, 4);
            f.train(true);
            long h = 17;
            for (double[] a : run(f, true, Tensor.randn(3, DType.F32, 1, 40, C), 5))
                for (double v : a) h = h * 31 + Double.doubleToLongBits(v);
            return "digest=" + Long.toHexString(h);
        }

        public static void main(String[] args) {
            System.out.println(digest());
        }
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) if (!Double.isNaN(v)) m = Math.max(m, Math.abs(v));
        return m;
    }
}
