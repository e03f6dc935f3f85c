package io.moe4j.cuda;

import static io.moe4j.cuda.GpuChecks.*;
import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.tensor.Backend;
import io.moe4j.tensor.BinaryOp;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.ReduceOp;
import io.moe4j.tensor.ReferenceBackend;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.UnaryOp;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fused kernels against oracles that share no code with them: forwards against compositions
 * of {@link ReferenceBackend} primitives (or plain double loops), backwards against central
 * differences of those forwards in F64. Tolerances: forwards 1e-5 relative / 1e-5 absolute
 * (float kernels vs double oracle); gradients 2e-3 / 2e-3 (difference quotients with h = 1e-4).
 */
@Tag("gpu")
class CudaFusedGpuTest {
    static final Backend R = new ReferenceBackend();

    static double dot(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * y[i];
        return s;
    }

    static Tensor rmsRef(Tensor x, Tensor w, double eps) {
        Tensor ms = R.reduce(ReduceOp.MEAN, R.unary(UnaryOp.SQUARE, x), -1, true);
        return R.binary(BinaryOp.MUL, R.binary(BinaryOp.MUL, x, R.unary(UnaryOp.RSQRT, R.affine(ms, 1, eps))), w);
    }

    @Test
    void rmsNormForwardAndBackward() {
        CudaFused f = backend().fused();
        Tensor x = randn(1, 3, 4, 40), w = randn(2, 40), dy = randn(3, 3, 4, 40);
        Tensor[] y = f.rmsNorm(x, w, 1e-5);
        close(rmsRef(x, w, 1e-5), y[0], 1e-5, 1e-5, "rmsNorm y");
        Tensor[] g = f.rmsNormBackward(x, w, y[1], dy);
        Tensor dy64 = dy.to(DType.F64);
        close(numericGrad(t -> dot(rmsRef(t, w.to(DType.F64), 1e-5), dy64), x, 1e-4), g[0], 2e-3, 2e-3, "rmsNorm dx");
        close(numericGrad(t -> dot(rmsRef(x.to(DType.F64), t, 1e-5), dy64), w, 1e-4), g[1], 2e-3, 2e-3, "rmsNorm dw");
    }

    /** Interleaved-pair rotation in double loops: the oracle for rope. */
    static Tensor ropeRef(Tensor x, double theta, int sign) {
        int n = x.size(0), t = x.size(1), h = x.size(2), d = x.size(3);
        Tensor out = Tensor.zeros(DType.F32, n, t, h, d);
        for (int a = 0; a < n; a++)
            for (int p = 0; p < t; p++)
                for (int hh = 0; hh < h; hh++)
                    for (int i = 0; i < d / 2; i++) {
                        double ang = sign * p * Math.pow(theta, -2.0 * i / d);
                        double x0 = x.get(a, p, hh, 2 * i), x1 = x.get(a, p, hh, 2 * i + 1);
                        out.set(x0 * Math.cos(ang) - x1 * Math.sin(ang), a, p, hh, 2 * i);
                        out.set(x0 * Math.sin(ang) + x1 * Math.cos(ang), a, p, hh, 2 * i + 1);
                    }
        return out;
    }

    @Test
    void ropeForwardAndInverse() {
        CudaFused f = backend().fused();
        Tensor x = randn(4, 2, 9, 3, 16);
        Tensor[] tab = CudaFused.ropeTables(9, 16, 10000, 0);
        close(ropeRef(x, 10000, 1), f.rope(x, tab[0], tab[1], false), 1e-5, 1e-5, "rope");
        close(ropeRef(x, 10000, -1), f.rope(x, tab[0], tab[1], true), 1e-5, 1e-5, "rope inverse (the backward)");
        close(x, f.rope(f.rope(x, tab[0], tab[1], false), tab[0], tab[1], true), 1e-5, 1e-5, "inverse undoes forward");
    }

    static Tensor swigluRef(Tensor a, Tensor b) {
        return R.binary(BinaryOp.MUL, R.unary(UnaryOp.SILU, a), b);
    }

    @Test
    void swigluForwardAndBackward() {
        CudaFused f = backend().fused();
        Tensor a = R.affine(randn(5, 6, 33), 3, 0), b = randn(6, 6, 33), dout = randn(7, 6, 33);
        close(swigluRef(a, b), f.swiglu(a, b), 1e-5, 1e-6, "swiglu");
        Tensor[] g = f.swigluBackward(a, b, dout);
        Tensor d64 = dout.to(DType.F64);
        close(numericGrad(t -> dot(swigluRef(t, b.to(DType.F64)), d64), a, 1e-4), g[0], 2e-3, 2e-3, "swiglu da");
        close(numericGrad(t -> dot(swigluRef(a.to(DType.F64), t), d64), b, 1e-4), g[1], 2e-3, 2e-3, "swiglu db");
    }

    /** Causal GQA attention from reference primitives: repeat kv heads, mask, softmax, matmul. */
    static Tensor attentionRef(Tensor q, Tensor k, Tensor v, double scale) {
        int hq = q.size(1), hkv = k.size(1), t = q.size(2);
        int[] rep = new int[hq];
        for (int h = 0; h < hq; h++) rep[h] = h / (hq / hkv);
        Tensor repIdx = Tensor.ofInts(rep, hq);
        Tensor kk = R.indexSelect(k, 1, repIdx), vv = R.indexSelect(v, 1, repIdx);
        Tensor s = R.affine(R.matmul(q, kk.transpose(-1, -2)), scale, 0);
        Tensor mask = Tensor.zeros(q.dtype(), t, t);
        for (int i = 0; i < t; i++) for (int j = 0; j <= i; j++) mask.set(1, i, j);
        Tensor masked = R.where(mask, s, Tensor.full(q.dtype(), Double.NEGATIVE_INFINITY, 1));
        return R.matmul(R.softmax(masked, -1), vv);
    }

    @Test
    void attentionForwardAndBackward() {
        CudaFused f = backend().fused();
        for (int[] dims : new int[][] {{1, 2, 1, 5, 4}, {2, 4, 2, 70, 16}, {1, 2, 2, 33, 128}}) {
            int b = dims[0], hq = dims[1], hkv = dims[2], t = dims[3], d = dims[4];
            Tensor q = randn(8, b, hq, t, d), k = randn(9, b, hkv, t, d), v = randn(10, b, hkv, t, d);
            double scale = 1 / Math.sqrt(d);
            Tensor[] o = f.attention(q, k, v, scale);
            close(attentionRef(q, k, v, scale), o[0], 1e-4, 1e-5, "attention out " + java.util.Arrays.toString(dims));
            if (t > 5) continue; // numeric gradients only on the tiny case
            Tensor dout = randn(11, b, hq, t, d), d64 = dout.to(DType.F64);
            Tensor[] g = f.attentionBackward(q, k, v, o[0], o[1], dout, scale);
            close(numericGrad(x -> dot(attentionRef(x, k.to(DType.F64), v.to(DType.F64), scale), d64), q, 1e-4), g[0], 2e-3, 2e-3, "attention dq");
            close(numericGrad(x -> dot(attentionRef(q.to(DType.F64), x, v.to(DType.F64), scale), d64), k, 1e-4), g[1], 2e-3, 2e-3, "attention dk");
            close(numericGrad(x -> dot(attentionRef(q.to(DType.F64), k.to(DType.F64), x, scale), d64), v, 1e-4), g[2], 2e-3, 2e-3, "attention dv");
        }
    }

    @Test
    void crossEntropyForwardAndBackward() {
        CudaFused f = backend().fused();
        Tensor logits = R.affine(randn(12, 5, 300), 3, 0);
        int[] tg = {7, -100, 299, 0, 150};
        Tensor targets = Tensor.ofInts(tg, 5);
        Tensor[] ce = f.crossEntropy(logits, targets);
        Tensor ls = R.logSoftmax(logits, -1);
        float[] want = new float[5];
        for (int r = 0; r < 5; r++) want[r] = tg[r] < 0 ? 0 : (float) -ls.get(r, tg[r]);
        close(Tensor.of(want, 5), ce[0], 1e-5, 1e-5, "cross-entropy loss");
        Tensor scale = Tensor.full(DType.F32, 0.25, 5);
        Tensor g = f.crossEntropyBackward(logits, targets, ce[1], scale);
        Tensor sm = R.softmax(logits, -1);
        for (int r = 0; r < 5; r++)
            for (int j = 0; j < 300; j++) {
                double e = tg[r] < 0 ? 0 : 0.25 * (sm.get(r, j) - (j == tg[r] ? 1 : 0));
                assertEquals(e, g.get(r, j), 1e-6, "dlogits[" + r + ", " + j + "]");
            }
    }

    @Test
    void adamwMatchesTheUpdateRule() {
        CudaFused f = backend().fused();
        int n = 1000;
        Tensor p = randn(13, n), g = randn(14, n), m = R.affine(randn(15, n), 0.1, 0), v = R.unary(UnaryOp.SQUARE, randn(16, n));
        float[] p0 = p.toFloatArray(), m0 = m.toFloatArray(), v0 = v.toFloatArray(), g0 = g.toFloatArray();
        double lr = 3e-4, b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1;
        int step = 7;
        f.adamw(p, g, m, v, lr, b1, b2, eps, wd, step);
        for (int i = 0; i < n; i++) {
            double mi = b1 * m0[i] + (1 - b1) * g0[i], vi = b2 * v0[i] + (1 - b2) * g0[i] * g0[i];
            double pi = p0[i] - lr * wd * p0[i] - lr * (mi / (1 - Math.pow(b1, step))) / (Math.sqrt(vi / (1 - Math.pow(b2, step))) + eps);
            assertEquals(mi, m.get(i), 1e-6 + 1e-5 * Math.abs(mi), "m " + i);
            assertEquals(vi, v.get(i), 1e-6 + 1e-5 * Math.abs(vi), "v " + i);
            assertEquals(pi, p.get(i), 1e-6 + 1e-5 * Math.abs(pi), "param " + i);
        }
    }

    @Test
    void moeDispatchGroupedGemmAndCombine() {
        CudaFused f = backend().fused();
        int tokens = 37, topK = 2, experts = 5, c = 24, hidden = 70;
        java.util.Random r = new java.util.Random(17);
        int[] ex = new int[tokens * topK];
        for (int s = 0; s < ex.length; s++) ex[s] = r.nextInt(experts);
        MoeDispatch plan = MoeDispatch.plan(ex, experts);
        Tensor x = randn(18, tokens, c), w = randn(19, experts, c, hidden);
        Tensor xp = f.moePermute(x, plan, topK);
        Tensor y = f.groupedMatmul(xp, w, plan);
        for (int e = 0; e < experts; e++) {
            int lo = plan.offsets()[e], cnt = plan.count(e);
            if (cnt == 0) continue;
            Tensor rows = R.indexSelect(x, 0, Tensor.ofInts(java.util.Arrays.stream(plan.order(), lo, lo + cnt).map(s -> s / topK).toArray(), cnt));
            close(R.matmul(rows, w.select(0, e)), y.narrow(0, lo, cnt), 1e-5, 1e-6 * c, "expert " + e);
        }
        Tensor gate = R.unary(UnaryOp.SIGMOID, randn(20, ex.length));
        int[] token = new int[ex.length];
        float[] wgt = new float[ex.length];
        for (int p = 0; p < ex.length; p++) {
            token[p] = plan.order()[p] / topK;
            wgt[p] = (float) gate.get(plan.order()[p]);
        }
        Tensor base = randn(21, tokens, hidden);
        Tensor out = f.moeCombine(base, y, token, Tensor.of(wgt, ex.length));
        Tensor want = R.copy(base);
        for (int p = 0; p < ex.length; p++)
            R.accumulate(want.narrow(0, token[p], 1), R.affine(y.narrow(0, p, 1), wgt[p], 0));
        close(want, out, 1e-5, 1e-5, "moe combine");
    }
}
