package io.moe4j.nn.functions;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.autograd.GradCheck;
import io.moe4j.autograd.Var;
import io.moe4j.nn.Rope;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.cpu.Parallel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every fused Function (a) passes a float64 finite-difference gradient check and (b) gives the
 * same output and input gradients as the same computation composed from primitive Var ops, in
 * F64 (to rounding) and in F32 on the default backend (to float tolerance).
 */
class FusedOpsTest {
    static final Rope ROPE = new Rope(6, 16, 10000.0);
    static final double[] COS = table(true), SIN = table(false);

    static double[] table(boolean cos) {
        double[] t = new double[16 * 3];
        for (int p = 0; p < 16; p++)
            for (int i = 0; i < 3; i++) {
                double a = p * Math.pow(10000.0, -2.0 * i / 6);
                t[p * 3 + i] = cos ? Math.cos(a) : Math.sin(a);
            }
        return t;
    }

    static Tensor rnd(long seed, int... shape) {
        return Tensor.randn(seed, DType.F64, 1.0, shape);
    }

    // ---------------------------------------------------------------- per op

    @Test
    void rmsNorm() {
        GradCheck.Expr fused = v -> RmsNormFn.apply(v[0], v[1], 1e-5);
        GradCheck.Expr composed = v -> Composed.rmsNorm(v[0], v[1], 1e-5);
        Tensor x = rnd(1, 3, 50, 7), w = rnd(2, 7); // 150 rows: several 64-row blocks of dw
        GradCheck.check("RmsNormFn", fused, x, w);
        agree("RmsNormFn", fused, composed, x, w);
    }

    @Test
    void rope() {
        GradCheck.Expr fused = v -> RopeFn.apply(v[0], COS, SIN, 3);
        GradCheck.Expr composed = v -> Composed.rope(v[0], COS, SIN, 3);
        Tensor x = rnd(3, 2, 5, 3, 6);
        GradCheck.check("RopeFn", fused, x);
        agree("RopeFn", fused, composed, x);
        assertArrayEquals(ROPE.interleaved(x, 3).toDoubleArray(), RopeFn.apply(Var.constant(x), COS, SIN, 3).data().toDoubleArray(), 1e-12);
    }

    @Test
    void swiglu() {
        GradCheck.Expr fused = v -> SwiGluFn.apply(v[0], v[1]);
        GradCheck.Expr composed = v -> Composed.swiglu(v[0], v[1]);
        Tensor a = Tensor.randn(4, DType.F64, 3.0, 2, 3, 5), b = rnd(5, 2, 3, 5);
        GradCheck.check("SwiGluFn", fused, a, b);
        agree("SwiGluFn", fused, composed, a, b);
        Tensor big = rnd(6, 3, 4100), big2 = rnd(7, 3, 4100); // crosses a 4096-element block
        agree("SwiGluFn blocks", fused, composed, big, big2);
    }

    @Test
    void attentionGqaMhaAndMqa() {
        GradCheck.Expr fused = v -> AttentionFn.apply(v[0], v[1], v[2]);
        GradCheck.Expr composed = v -> Composed.attention(v[0], v[1], v[2]);
        int[][] heads = {{4, 2}, {3, 3}, {4, 1}};
        for (int[] hk : heads) {
            Tensor q = rnd(8, 2, 5, hk[0], 6), k = rnd(9, 2, 5, hk[1], 6), v = rnd(10, 2, 5, hk[1], 6);
            String name = "AttentionFn H=" + hk[0] + " Hkv=" + hk[1];
            GradCheck.check(name, fused, q, k, v);
            agree(name, fused, composed, q, k, v);
        }
        agree("AttentionFn T=1", fused, composed, rnd(11, 1, 1, 2, 4), rnd(12, 1, 1, 1, 4), rnd(13, 1, 1, 1, 4));
    }

    /** Long enough sequences for the F32 path's GEMMs to take their packed, tiled route. */
    @Test
    void attentionF32GemmPathMatchesTheF64Kernel() {
        GradCheck.Expr fused = v -> AttentionFn.apply(v[0], v[1], v[2]);
        Tensor q = rnd(21, 2, 150, 4, 32), k = rnd(22, 2, 150, 2, 32), v = rnd(23, 2, 150, 2, 32); // 3 causal blocks, the last partial
        List<double[]> f64 = run(fused, DType.F64, 0, q, k, v), f32 = run(fused, DType.F32, 0, q, k, v);
        for (int i = 0; i < f64.size(); i++)
            for (int e = 0; e < f64.get(i).length; e++)
                assertEquals(f64.get(i)[e], f32.get(i)[e], 2e-5 * Math.max(1, Math.abs(f64.get(i)[e])), "result " + i + " element " + e);
    }

    @Test
    void softmaxCrossEntropyWithIgnoredRows() {
        int[] targets = {3, -100, 0, 6, 6, -100};
        GradCheck.Expr fused = v -> SoftmaxCrossEntropyFn.apply(v[0], targets, -100);
        GradCheck.Expr composed = v -> Composed.crossEntropy(v[0], targets, -100);
        Tensor x = Tensor.randn(14, DType.F64, 2.0, 6, 7);
        GradCheck.check("SoftmaxCrossEntropyFn", fused, x);
        agree("SoftmaxCrossEntropyFn", fused, composed, x);
        int[] wide = new int[5];
        for (int i = 0; i < 5; i++) wide[i] = 37 * i + 1;
        agree("SoftmaxCrossEntropyFn wide", v -> SoftmaxCrossEntropyFn.apply(v[0], wide, -1),
                v -> Composed.crossEntropy(v[0], wide, -1), Tensor.randn(15, DType.F64, 3.0, 5, 203));
    }

    @Test
    void crossEntropyMatchesAHandComputedValue() {
        // logits row [0, ln 3]: softmax = [1/4, 3/4]; target 1 -> -ln(3/4); second row ignored
        Tensor x = Tensor.of(new double[] {0, Math.log(3), 5, -5}, 2, 2);
        Var loss = SoftmaxCrossEntropyFn.apply(Var.constant(x), new int[] {1, 7}, 7);
        assertEquals(-Math.log(0.75), loss.data().item(), 1e-15);
    }

    @Test
    void crossEntropyAllIgnoredIsZeroWithZeroGradient() {
        Var x = Var.param(rnd(16, 2, 3));
        Var loss = SoftmaxCrossEntropyFn.apply(x, new int[] {-1, -1}, -1);
        assertEquals(0.0, loss.data().item());
        loss.backward();
        for (double g : x.grad().toDoubleArray()) assertEquals(0.0, g);
    }

    @Test
    void crossEntropyKeptExpsAndARecomputedSecondBackwardAgree() {
        Var v = Var.param(rnd(22, 4, 50).to(DType.F32));
        Var loss = SoftmaxCrossEntropyFn.apply(v, new int[] {1, -1, 49, 0}, -1);
        loss.backward(); // from the exps the forward kept
        double[] first = v.grad().toDoubleArray();
        v.clearGrad();
        loss.backward(); // the kept buffer was handed out: recomputed from the logits
        assertArrayEquals(first, v.grad().toDoubleArray(), 1e-7);
        for (int i = 50; i < 100; i++) assertEquals(0.0, first[i], "the ignored row has no gradient");
    }

    @Test
    void linearCrossEntropyMatchesLinearThenCrossEntropy() {
        int[] targets = {3, -100, 0, 8, 8, -100, 1};
        GradCheck.Expr fused = v -> LinearCrossEntropyFn.apply(v[0], v[1], targets, -100);
        GradCheck.Expr composed = v -> SoftmaxCrossEntropyFn.apply(LinearFn.apply(v[0], v[1]), targets, -100);
        Tensor h = rnd(23, 7, 5), w = rnd(24, 9, 5); // 7 rows, C = 5, V = 9
        GradCheck.check("LinearCrossEntropyFn", fused, h, w);
        agree("LinearCrossEntropyFn", fused, composed, h, w);
        Tensor h3 = rnd(25, 2, 150, 40).to(DType.F32), w3 = rnd(26, 300, 40).to(DType.F32);
        int[] many = new int[300];
        for (int i = 0; i < many.length; i++) many[i] = i % 7 == 0 ? -1 : (i * 37) % 300;
        agree("LinearCrossEntropyFn, packed GEMMs", v -> LinearCrossEntropyFn.apply(v[0], v[1], many, -1),
                v -> SoftmaxCrossEntropyFn.apply(LinearFn.apply(v[0], v[1]), many, -1), h3, w3);
        List<double[]> one = run(v -> LinearCrossEntropyFn.apply(v[0], v[1], many, -1), DType.F32, 1, h3, w3);
        List<double[]> two = run(v -> LinearCrossEntropyFn.apply(v[0], v[1], many, -1), DType.F32, 2, h3, w3);
        for (int i = 0; i < one.size(); i++) assertArrayEquals(one.get(i), two.get(i), 0.0, "1 vs 2 threads, result " + i);
        Var hv = Var.param(h3), wv = Var.param(w3);
        Var loss = LinearCrossEntropyFn.apply(hv, wv, many, -1);
        loss.backward();
        var e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("second backward"), e.getMessage());
    }

    @Test
    void crossEntropyRejectsABadTarget() {
        Var x = Var.constant(rnd(17, 2, 3));
        var e = assertThrows(IllegalArgumentException.class, () -> SoftmaxCrossEntropyFn.apply(x, new int[] {0, 3}, -100));
        assertTrue(e.getMessage().contains("target 3 at row 1"), e.getMessage());
    }

    @Test
    void linear() {
        GradCheck.Expr fused = v -> LinearFn.apply(v[0], v[1]);
        GradCheck.Expr composed = v -> Composed.linear(v[0], v[1]);
        Tensor x = rnd(18, 2, 3, 5), w = rnd(19, 4, 5);
        GradCheck.check("LinearFn", fused, x, w);
        agree("LinearFn", fused, composed, x, w);
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        Tensor x = rnd(20, 300, 33).to(DType.F32), w = rnd(21, 33).to(DType.F32);
        List<double[]> one = run(v -> RmsNormFn.apply(v[0], v[1], 1e-5), DType.F32, 1, x, w);
        List<double[]> two = run(v -> RmsNormFn.apply(v[0], v[1], 1e-5), DType.F32, 2, x, w);
        for (int i = 0; i < one.size(); i++) assertArrayEquals(one.get(i), two.get(i), 0.0);
    }

    // ---------------------------------------------------------------- comparison harness

    /** Fused vs composed, output and every input gradient, in F64 and in F32. */
    static void agree(String name, GradCheck.Expr fused, GradCheck.Expr composed, Tensor... inputs) {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            List<double[]> a = run(fused, dt, 0, inputs), b = run(composed, dt, 0, inputs);
            double tol = dt == DType.F64 ? 1e-10 : 2e-5;
            for (int i = 0; i < a.size(); i++) {
                double scale = 1;
                for (double y : b.get(i)) scale = Math.max(scale, Math.abs(y));
                assertEquals(b.get(i).length, a.get(i).length, name + " " + dt + " result " + i + " length");
                for (int e = 0; e < a.get(i).length; e++)
                    assertEquals(b.get(i)[e], a.get(i)[e], tol * scale, name + " " + dt + " result " + i + " (0 = output) element " + e);
            }
        }
    }

    /** Output followed by the gradient of each input for a fixed random seed gradient. */
    static List<double[]> run(GradCheck.Expr f, DType dt, int threads, Tensor... inputs) {
        List<double[]> out = new ArrayList<>();
        Runnable body = () -> {
            Var[] vs = new Var[inputs.length];
            for (int i = 0; i < inputs.length; i++) vs[i] = Var.param(inputs[i].to(dt));
            Var y = f.apply(vs);
            y.backward(Tensor.randn(99, dt, 1.0, y.shape()));
            out.add(y.data().toDoubleArray());
            for (Var v : vs) out.add(v.grad().toDoubleArray());
        };
        if (threads > 0) Parallel.withThreads(threads, body);
        else body.run();
        return out;
    }
}
