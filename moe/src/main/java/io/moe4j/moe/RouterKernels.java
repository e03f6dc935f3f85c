package io.moe4j.moe;

import io.moe4j.tensor.cpu.SimdConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The three skinny products of the router, for R ≤ a few dozen router rows against C-wide token rows: a general
 * GEMM would spend more time packing x [T, C] than multiplying it by R = 2N columns.
 * <ul>
 *   <li>{@link #dots}: pre [T, Rp] = x [T, C] · Wᵀ, with W given transposed as wt [C, Rp];
 *   <li>{@link #rowCombos}: gx [T, C] = G [T, Rp] · W [R, C];
 *   <li>{@link #outer}: P [Rp, C] = G[block]ᵀ · x[block], one fixed token block at a time.
 * </ul>
 * Each output element is one sequential fused multiply-add chain (over c, r or t respectively), the same in the vector
 * lanes, the 1-token tails and the scalar fallback, so its bits depend neither on where a token falls in a block nor
 * on the thread count. Rp is a multiple of 2 vector lengths (zero-padded rows). F64 variants are plain loops.
 */
final class RouterKernels {
    private static final VectorSpecies<Float> S = SimdConfig.SPECIES;
    private static final int L = S.length();

    private RouterKernels() {}

    /** Rows of W padded to a multiple of two vector lengths. */
    static int paddedRows(int r) {
        int step = 2 * L;
        return (r + step - 1) / step * step;
    }

    /** pre[t·rp + j] = Σ_c x[xo + t·C + c] · wt[c·rp + j] for t in [t0, t1), j in [0, rp). */
    static void dots(float[] x, int xo, int c, float[] wt, int rp, float[] pre, int t0, int t1) {
        if (SimdConfig.SCALAR) {
            for (int t = t0; t < t1; t++)
                for (int j = 0; j < rp; j++) {
                    float acc = 0;
                    for (int i = 0; i < c; i++) acc = Math.fma(x[xo + t * c + i], wt[i * rp + j], acc);
                    pre[t * rp + j] = acc;
                }
            return;
        }
        int t = t0;
        for (; t + 4 <= t1; t += 4)
            for (int j = 0; j < rp; j += 2 * L) dots4(x, xo + t * c, c, wt, rp, j, pre, t * rp + j);
        for (; t < t1; t++)
            for (int j = 0; j < rp; j += 2 * L) {
                FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
                for (int i = 0; i < c; i++) {
                    FloatVector b = FloatVector.broadcast(S, x[xo + t * c + i]);
                    a0 = b.fma(FloatVector.fromArray(S, wt, i * rp + j), a0);
                    a1 = b.fma(FloatVector.fromArray(S, wt, i * rp + j + L), a1);
                }
                a0.intoArray(pre, t * rp + j);
                a1.intoArray(pre, t * rp + j + L);
            }
    }

    /** Four tokens (rows xr, xr+C, ...) against 2 vectors of columns: 8 independent accumulators. */
    private static void dots4(float[] x, int xr, int c, float[] wt, int rp, int j, float[] pre, int o) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int i = 0; i < c; i++) {
            FloatVector w0 = FloatVector.fromArray(S, wt, i * rp + j), w1 = FloatVector.fromArray(S, wt, i * rp + j + L);
            FloatVector b0 = FloatVector.broadcast(S, x[xr + i]), b1 = FloatVector.broadcast(S, x[xr + c + i]);
            a00 = b0.fma(w0, a00);
            a01 = b0.fma(w1, a01);
            a10 = b1.fma(w0, a10);
            a11 = b1.fma(w1, a11);
            FloatVector b2 = FloatVector.broadcast(S, x[xr + 2 * c + i]), b3 = FloatVector.broadcast(S, x[xr + 3 * c + i]);
            a20 = b2.fma(w0, a20);
            a21 = b2.fma(w1, a21);
            a30 = b3.fma(w0, a30);
            a31 = b3.fma(w1, a31);
        }
        a00.intoArray(pre, o);
        a01.intoArray(pre, o + L);
        a10.intoArray(pre, o + rp);
        a11.intoArray(pre, o + rp + L);
        a20.intoArray(pre, o + 2 * rp);
        a21.intoArray(pre, o + 2 * rp + L);
        a30.intoArray(pre, o + 3 * rp);
        a31.intoArray(pre, o + 3 * rp + L);
    }

    /** gx[t·C + i] = Σ_{r < R} g[t·rp + r] · w[r·C + i] for t in [t0, t1). */
    static void rowCombos(float[] g, int rp, int r, float[] w, int c, float[] gx, int t0, int t1) {
        for (int t = t0; t < t1; t++) {
            int go = t * rp, i = 0;
            if (!SimdConfig.SCALAR) {
                for (; i + 4 * L <= c; i += 4 * L) {
                    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                    for (int q = 0; q < r; q++) {
                        FloatVector b = FloatVector.broadcast(S, g[go + q]);
                        int wo = q * c + i;
                        a0 = FloatVector.fromArray(S, w, wo).fma(b, a0);
                        a1 = FloatVector.fromArray(S, w, wo + L).fma(b, a1);
                        a2 = FloatVector.fromArray(S, w, wo + 2 * L).fma(b, a2);
                        a3 = FloatVector.fromArray(S, w, wo + 3 * L).fma(b, a3);
                    }
                    a0.intoArray(gx, t * c + i);
                    a1.intoArray(gx, t * c + i + L);
                    a2.intoArray(gx, t * c + i + 2 * L);
                    a3.intoArray(gx, t * c + i + 3 * L);
                }
                for (; i + L <= c; i += L) {
                    FloatVector a = FloatVector.zero(S);
                    for (int q = 0; q < r; q++) a = FloatVector.fromArray(S, w, q * c + i).fma(FloatVector.broadcast(S, g[go + q]), a);
                    a.intoArray(gx, t * c + i);
                }
            }
            for (; i < c; i++) {
                float a = 0;
                for (int q = 0; q < r; q++) a = Math.fma(w[q * c + i], g[go + q], a);
                gx[t * c + i] = a;
            }
        }
    }

    /** p[q·C + i] = Σ_{t in [t0, t1)} g[t·rp + q] · x[xo + t·C + i] for q in [0, rp). */
    static void outer(float[] g, int rp, float[] x, int xo, int c, float[] p, int t0, int t1) {
        for (int q = 0; q < rp; q += 4) {
            int i = 0;
            if (!SimdConfig.SCALAR) {
                for (; i + 2 * L <= c; i += 2 * L) outer4x2(g, rp, q, x, xo, c, i, p, t0, t1);
                for (; i + L <= c; i += L)
                    for (int qq = q; qq < q + 4; qq++) {
                        FloatVector a = FloatVector.zero(S);
                        for (int t = t0; t < t1; t++)
                            a = FloatVector.fromArray(S, x, xo + t * c + i).fma(FloatVector.broadcast(S, g[t * rp + qq]), a);
                        a.intoArray(p, qq * c + i);
                    }
            }
            for (; i < c; i++)
                for (int qq = q; qq < q + 4; qq++) {
                    float a = 0;
                    for (int t = t0; t < t1; t++) a = Math.fma(x[xo + t * c + i], g[t * rp + qq], a);
                    p[qq * c + i] = a;
                }
        }
    }

    /** Rows q..q+3 of P against 2 vectors of columns from i: 8 accumulators, one pass over the tokens. */
    private static void outer4x2(float[] g, int rp, int q, float[] x, int xo, int c, int i, float[] p, int t0, int t1) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int t = t0; t < t1; t++) {
            FloatVector x0 = FloatVector.fromArray(S, x, xo + t * c + i), x1 = FloatVector.fromArray(S, x, xo + t * c + i + L);
            int go = t * rp + q;
            FloatVector b0 = FloatVector.broadcast(S, g[go]), b1 = FloatVector.broadcast(S, g[go + 1]);
            a00 = x0.fma(b0, a00);
            a01 = x1.fma(b0, a01);
            a10 = x0.fma(b1, a10);
            a11 = x1.fma(b1, a11);
            FloatVector b2 = FloatVector.broadcast(S, g[go + 2]), b3 = FloatVector.broadcast(S, g[go + 3]);
            a20 = x0.fma(b2, a20);
            a21 = x1.fma(b2, a21);
            a30 = x0.fma(b3, a30);
            a31 = x1.fma(b3, a31);
        }
        int o = q * c + i;
        a00.intoArray(p, o);
        a01.intoArray(p, o + L);
        a10.intoArray(p, o + c);
        a11.intoArray(p, o + c + L);
        a20.intoArray(p, o + 2 * c);
        a21.intoArray(p, o + 2 * c + L);
        a30.intoArray(p, o + 3 * c);
        a31.intoArray(p, o + 3 * c + L);
    }

    // ---------------------------------------------------------------- F64 (GradCheck): the same sums, plain loops

    static void dots(double[] x, int xo, int c, double[] wt, int rp, double[] pre, int t0, int t1) {
        for (int t = t0; t < t1; t++)
            for (int j = 0; j < rp; j++) {
                double acc = 0;
                for (int i = 0; i < c; i++) acc += x[xo + t * c + i] * wt[i * rp + j];
                pre[t * rp + j] = acc;
            }
    }

    static void rowCombos(double[] g, int rp, int r, double[] w, int c, double[] gx, int t0, int t1) {
        for (int t = t0; t < t1; t++)
            for (int i = 0; i < c; i++) {
                double a = 0;
                for (int q = 0; q < r; q++) a += w[q * c + i] * g[t * rp + q];
                gx[t * c + i] = a;
            }
    }

    static void outer(double[] g, int rp, double[] x, int xo, int c, double[] p, int t0, int t1) {
        for (int q = 0; q < rp; q++)
            for (int i = 0; i < c; i++) {
                double a = 0;
                for (int t = t0; t < t1; t++) a += x[xo + t * c + i] * g[t * rp + q];
                p[q * c + i] = a;
            }
    }
}
