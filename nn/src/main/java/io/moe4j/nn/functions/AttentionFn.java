package io.moe4j.nn.functions;

import io.moe4j.autograd.Function;
import io.moe4j.autograd.Var;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.cpu.Parallel;
import java.util.Arrays;

/**
 * Causal scaled dot-product attention with grouped-query heads, fused: scores, mask, softmax and
 * the weighted sum of values in one pass per query, in the [B, T, H, D] layout the projections
 * produce (no permutes). Query head h reads key/value head h / (H / Hkv), as llama2.c and HF's
 * repeat_kv do.
 *
 * <p>Memory: only the log-sum-exp of each score row ([B, H, T]) is kept for backward, which
 * recomputes the probabilities (as FlashAttention does) instead of storing [B, H, T, T].
 * Backward per query row t: dP = dO·Vᵀ, dS = P ⊙ (dP − dO·O), dQ = scale·dS·K, dK += scale·dSᵀ·Q,
 * dV += Pᵀ·dO. Work is split over (batch, kv head) groups, so each group owns its dK and dV.
 *
 * <p>Two kernels: F64 runs the loops below, the readable reference (axpys over contiguous double
 * scratch rows, keys and values transposed to [D, T] where the loop runs over positions); F32 runs
 * the same algorithm as per-head GEMMs ({@link AttentionF32}), which tests compare with this one.
 */
public final class AttentionFn extends Function {
    private Tensor q, k, v, out;
    private double[] lse;
    private int nb, nt, nh, nkv, hd;
    private double scale;

    /** q [B, T, H, D], k and v [B, T, Hkv, D] -> [B, T, H, D]. */
    public static Var apply(Var q, Var k, Var v) {
        return Function.apply(new AttentionFn(), q, k, v);
    }

    // ---------------------------------------------------------------- forward

    @Override
    protected Tensor forward(Tensor... in) {
        q = in[0].contiguous();
        k = in[1].contiguous();
        v = in[2].contiguous();
        checkShapes();
        out = Tensor.zeros(q.dtype(), q.shape());
        lse = new double[nb * nh * nt];
        if (q.dtype() == DType.F32) {
            AttentionF32.forward(nb, nt, nh, nkv, hd, q.storage().f, q.offset(), k.storage().f, k.offset(), v.storage().f,
                    v.offset(), out.storage().f, lse);
            return out;
        }
        Parallel.forRange(nb * nkv, 1, (g0, g1) -> {
            Scratch s = new Scratch(nt, hd);
            for (int grp = g0; grp < g1; grp++) forwardGroup(grp / nkv, grp % nkv, s);
        });
        return out;
    }

    private void checkShapes() {
        Rows.sameFloating("attention", q, k, v);
        if (q.rank() != 4 || k.rank() != 4 || !k.sameShape(v))
            throw ShapeException.of("attention", "expects q [B, T, H, D] and k, v [B, T, Hkv, D]", q.shape(), k.shape(), v.shape());
        nb = q.size(0);
        nt = q.size(1);
        nh = q.size(2);
        hd = q.size(3);
        nkv = k.size(2);
        if (k.size(0) != nb || k.size(1) != nt || k.size(3) != hd || nkv == 0 || nh % nkv != 0)
            throw ShapeException.of("attention", "k/v must share B, T, D with q and H must be a multiple of Hkv", q.shape(), k.shape());
        scale = 1.0 / Math.sqrt(hd);
    }

    private void forwardGroup(int b, int g, Scratch s) {
        loadGroup(k, b, g, s.kT, true);
        loadGroup(v, b, g, s.vRow, false);
        int rep = nh / nkv;
        for (int h = g * rep; h < (g + 1) * rep; h++) {
            for (int t = 0; t < nt; t++) {
                Rows.load(q.storage(), rowAt(q, b, t, h, nh), s.qr, 0, hd);
                double m = scores(s, t);
                double sum = 0;
                for (int j = 0; j <= t; j++) {
                    double e = Math.exp(s.sc[j] - m);
                    s.sc[j] = e;
                    sum += e;
                }
                lse[(b * nh + h) * nt + t] = m + Math.log(sum);
                double inv = 1 / sum;
                Arrays.fill(s.or, 0);
                for (int j = 0; j <= t; j++) axpy(s.sc[j] * inv, s.vRow, j * hd, s.or, 0, hd);
                Rows.store(s.or, 0, out.storage(), rowAt(out, b, t, h, nh), hd);
            }
        }
    }

    /** sc[0..t] = scale · q_t · k_j (q in s.qr); returns the maximum. */
    private double scores(Scratch s, int t) {
        Arrays.fill(s.sc, 0, t + 1, 0);
        for (int d = 0; d < hd; d++) axpy(s.qr[d] * scale, s.kT, d * nt, s.sc, 0, t + 1);
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= t; j++) m = Math.max(m, s.sc[j]);
        return m;
    }

    // ---------------------------------------------------------------- backward

    @Override
    protected Tensor[] backward(Tensor gOut) {
        Tensor g = gOut.contiguous();
        Tensor gq = Tensor.zeros(q.dtype(), q.shape()), gk = Tensor.zeros(k.dtype(), k.shape()), gv = Tensor.zeros(v.dtype(), v.shape());
        if (q.dtype() == DType.F32) {
            AttentionF32.backward(nb, nt, nh, nkv, hd, q.storage().f, q.offset(), k.storage().f, k.offset(), v.storage().f,
                    v.offset(), out.storage().f, lse, g.storage().f, g.offset(), gq.storage().f, gk.storage().f, gv.storage().f);
            return new Tensor[] {needs(0) ? gq : null, needs(1) ? gk : null, needs(2) ? gv : null};
        }
        Parallel.forRange(nb * nkv, 1, (g0, g1) -> {
            Scratch s = new Scratch(nt, hd);
            for (int grp = g0; grp < g1; grp++) backwardGroup(grp / nkv, grp % nkv, g, gq, gk, gv, s);
        });
        return new Tensor[] {needs(0) ? gq : null, needs(1) ? gk : null, needs(2) ? gv : null};
    }

    private void backwardGroup(int b, int g, Tensor gOut, Tensor gq, Tensor gk, Tensor gv, Scratch s) {
        loadGroup(k, b, g, s.kT, true);
        loadGroup(k, b, g, s.kRow, false);
        loadGroup(v, b, g, s.vT, true);
        Arrays.fill(s.dK, 0);
        Arrays.fill(s.dV, 0);
        int rep = nh / nkv;
        for (int h = g * rep; h < (g + 1) * rep; h++) {
            for (int t = 0; t < nt; t++) {
                Rows.load(q.storage(), rowAt(q, b, t, h, nh), s.qr, 0, hd);
                Rows.load(gOut.storage(), rowAt(gOut, b, t, h, nh), s.dr, 0, hd);
                Rows.load(out.storage(), rowAt(out, b, t, h, nh), s.or, 0, hd);
                scores(s, t);
                double l = lse[(b * nh + h) * nt + t], delta = 0;
                for (int d = 0; d < hd; d++) delta += s.dr[d] * s.or[d];
                Arrays.fill(s.dp, 0, t + 1, 0);
                for (int d = 0; d < hd; d++) axpy(s.dr[d], s.vT, d * nt, s.dp, 0, t + 1);
                Arrays.fill(s.dq, 0);
                for (int j = 0; j <= t; j++) {
                    double p = Math.exp(s.sc[j] - l), ds = p * (s.dp[j] - delta);
                    axpy(ds, s.kRow, j * hd, s.dq, 0, hd);
                    axpy(ds * scale, s.qr, 0, s.dK, j * hd, hd);
                    axpy(p, s.dr, 0, s.dV, j * hd, hd);
                }
                for (int d = 0; d < hd; d++) s.dq[d] *= scale;
                Rows.store(s.dq, 0, gq.storage(), rowAt(gq, b, t, h, nh), hd);
            }
        }
        for (int j = 0; j < nt; j++) {
            Rows.store(s.dK, j * hd, gk.storage(), rowAt(gk, b, j, g, nkv), hd);
            Rows.store(s.dV, j * hd, gv.storage(), rowAt(gv, b, j, g, nkv), hd);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Storage offset of the D-vector at [b, t, head] of a contiguous [B, T, heads, D] tensor. */
    private int rowAt(Tensor x, int b, int t, int head, int heads) {
        return x.offset() + ((b * nt + t) * heads + head) * hd;
    }

    /** Copies the [T, D] slice of kv head g in batch b, as [T, D] rows or transposed to [D, T]. */
    private void loadGroup(Tensor x, int b, int g, double[] dst, boolean transposed) {
        for (int j = 0; j < nt; j++) {
            int at = rowAt(x, b, j, g, nkv);
            if (!transposed) {
                Rows.load(x.storage(), at, dst, j * hd, hd);
            } else {
                for (int d = 0; d < hd; d++) dst[d * nt + j] = x.storage().get(at + d);
            }
        }
    }

    /** y[yo..yo+n) += a · x[xo..xo+n). */
    private static void axpy(double a, double[] x, int xo, double[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += a * x[xo + i];
    }

    /** Per-thread work arrays for one (batch, kv head) group. */
    private static final class Scratch {
        final double[] kT, kRow, vT, vRow, dK, dV, sc, dp, qr, dr, or, dq;

        Scratch(int t, int d) {
            kT = new double[t * d];
            kRow = new double[t * d];
            vT = new double[t * d];
            vRow = new double[t * d];
            dK = new double[t * d];
            dV = new double[t * d];
            sc = new double[t];
            dp = new double[t];
            qr = new double[d];
            dr = new double[d];
            or = new double[d];
            dq = new double[d];
        }
    }
}
