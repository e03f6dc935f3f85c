package io.moe4j.tensor.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The unpacked path of {@link Gemm}, for products with a tiny dimension and for scalar mode.
 *
 * <p>Row by row: op(A)'s row is copied to a contiguous scratch row, then with B stored N x K ({@code transB})
 * each C element is a dot product with a contiguous row of B, four at a time so one A load feeds four FMAs;
 * with B stored K x N a row of C is accumulated as a sum of scaled rows of B (axpy), four k at a time.
 *
 * <p>Each element's arithmetic does not depend on how rows or columns are grouped or split over threads: a dot
 * product is a vector FMA chain per lane, lanes summed in index order, then the scalar tail in order; an axpy
 * element is one FMA chain in k order. So this path is also bit-identical across thread counts.
 */
final class GemmDirect {
    private static final VectorSpecies<Float> S = SimdConfig.SPECIES;
    private static final int VL = S.length();

    private GemmDirect() {}

    /** Computes the whole call, split over threads by rows (or by columns when there are few rows). */
    static void run(Gemm.Call g, boolean vector) {
        long work = (long) g.M * g.N * g.K;
        int t = work < Gemm.PARALLEL_MIN_WORK ? 1 : Parallel.threads();
        if (t == 1) {
            block(g, 0, g.M, 0, g.N, vector);
        } else if (g.M >= 4 * t || g.M >= g.N) {
            Parallel.forRange(g.M, 1, (i0, i1) -> block(g, i0, i1, 0, g.N, vector));
        } else {
            int unit = 4 * VL;  // split columns on whole groups of four dots and whole vectors
            int units = (g.N + unit - 1) / unit;
            Parallel.forRange(units, 1, (u0, u1) -> block(g, 0, g.M, u0 * unit, Math.min(g.N, u1 * unit), vector));
        }
    }

    /** C[i0:i1, j0:j1]. */
    private static void block(Gemm.Call g, int i0, int i1, int j0, int j1, boolean vector) {
        GemmKernels.Workspace w = GemmKernels.workspace();
        int n = j1 - j0;
        if (w.row.length < g.K) {
            w.row = new float[g.K];
        }
        if (w.acc.length < n) {
            w.acc = new float[n];
        }
        float[] x = w.row, acc = w.acc;
        for (int i = i0; i < i1; i++) {
            int ai = g.offA + i * g.rsA;
            for (int k = 0; k < g.K; k++) {
                x[k] = g.a[ai + k * g.csA];
            }
            if (g.transB) {
                if (vector) {
                    dotsVector(x, g.K, g.b, g.offB + j0 * g.csB, g.csB, n, acc);
                } else {
                    dotsScalar(x, g.K, g.b, g.offB + j0 * g.csB, g.csB, n, acc);
                }
            } else if (vector) {
                axpyVector(x, g.K, g.b, g.offB + j0, g.rsB, n, acc);
            } else {
                axpyScalar(x, g.K, g.b, g.offB + j0, g.rsB, n, acc);
            }
            int co = g.offC + i * g.ldc + j0;
            for (int j = 0; j < n; j++) {
                float v = g.alpha * acc[j];
                g.c[co + j] = g.beta != 0f ? v + g.beta * g.c[co + j] : v;
            }
        }
    }

    // ---- B stored N x K: out[j] = dot(x[0:K], b[bo + j*ldb : +K]) ---------------------------------------------

    private static void dotsVector(float[] x, int K, float[] b, int bo, int ldb, int n, float[] out) {
        int kv = S.loopBound(K);
        float[] lanes = GemmKernels.workspace().lanes;
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            int r0 = bo + j * ldb, r1 = r0 + ldb, r2 = r1 + ldb, r3 = r2 + ldb;
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int k = 0; k < kv; k += VL) {
                FloatVector xv = FloatVector.fromArray(S, x, k);
                s0 = xv.fma(FloatVector.fromArray(S, b, r0 + k), s0);
                s1 = xv.fma(FloatVector.fromArray(S, b, r1 + k), s1);
                s2 = xv.fma(FloatVector.fromArray(S, b, r2 + k), s2);
                s3 = xv.fma(FloatVector.fromArray(S, b, r3 + k), s3);
            }
            s0.intoArray(lanes, 0);
            s1.intoArray(lanes, VL);
            s2.intoArray(lanes, 2 * VL);
            s3.intoArray(lanes, 3 * VL);
            out[j] = finish(lanes, 0, x, kv, K, b, r0);
            out[j + 1] = finish(lanes, VL, x, kv, K, b, r1);
            out[j + 2] = finish(lanes, 2 * VL, x, kv, K, b, r2);
            out[j + 3] = finish(lanes, 3 * VL, x, kv, K, b, r3);
        }
        for (; j < n; j++) {
            int r0 = bo + j * ldb;
            FloatVector s0 = FloatVector.zero(S);
            for (int k = 0; k < kv; k += VL) {
                s0 = FloatVector.fromArray(S, x, k).fma(FloatVector.fromArray(S, b, r0 + k), s0);
            }
            s0.intoArray(lanes, 0);
            out[j] = finish(lanes, 0, x, kv, K, b, r0);
        }
    }

    /**
     * Sums the lanes in index order (not {@code reduceLanes}, whose order may differ between the JIT and the
     * interpreter), then adds the scalar tail {@code k in [kv, K)} in order.
     */
    private static float finish(float[] lanes, int lo, float[] x, int kv, int K, float[] b, int r) {
        float s = lanes[lo];
        for (int l = 1; l < VL; l++) {
            s += lanes[lo + l];
        }
        for (int k = kv; k < K; k++) {
            s = Math.fma(x[k], b[r + k], s);
        }
        return s;
    }

    private static void dotsScalar(float[] x, int K, float[] b, int bo, int ldb, int n, float[] out) {
        int j = 0;
        for (; j + 4 <= n; j += 4) {  // four independent sums hide the add latency
            int r0 = bo + j * ldb, r1 = r0 + ldb, r2 = r1 + ldb, r3 = r2 + ldb;
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            for (int k = 0; k < K; k++) {
                float xk = x[k];
                s0 += xk * b[r0 + k];
                s1 += xk * b[r1 + k];
                s2 += xk * b[r2 + k];
                s3 += xk * b[r3 + k];
            }
            out[j] = s0;
            out[j + 1] = s1;
            out[j + 2] = s2;
            out[j + 3] = s3;
        }
        for (; j < n; j++) {
            int r0 = bo + j * ldb;
            float s0 = 0f;
            for (int k = 0; k < K; k++) {
                s0 += x[k] * b[r0 + k];
            }
            out[j] = s0;
        }
    }

    // ---- B stored K x N: out[0:n] = sum over k of x[k] * b[bo + k*ldb : +n] ------------------------------------

    private static void axpyVector(float[] x, int K, float[] b, int bo, int ldb, int n, float[] out) {
        int nv = S.loopBound(n);
        Arrays.fill(out, 0, n, 0f);
        int k = 0;
        for (; k + 4 <= K; k += 4) {  // one load/store of out per four FMAs; order per element stays k, k+1, ...
            FloatVector x0 = FloatVector.broadcast(S, x[k]), x1 = FloatVector.broadcast(S, x[k + 1]);
            FloatVector x2 = FloatVector.broadcast(S, x[k + 2]), x3 = FloatVector.broadcast(S, x[k + 3]);
            int r0 = bo + k * ldb, r1 = r0 + ldb, r2 = r1 + ldb, r3 = r2 + ldb;
            for (int j = 0; j < nv; j += VL) {
                FloatVector s = FloatVector.fromArray(S, out, j);
                s = x0.fma(FloatVector.fromArray(S, b, r0 + j), s);
                s = x1.fma(FloatVector.fromArray(S, b, r1 + j), s);
                s = x2.fma(FloatVector.fromArray(S, b, r2 + j), s);
                s = x3.fma(FloatVector.fromArray(S, b, r3 + j), s);
                s.intoArray(out, j);
            }
            for (int j = nv; j < n; j++) {
                float s = Math.fma(x[k], b[r0 + j], out[j]);
                s = Math.fma(x[k + 1], b[r1 + j], s);
                s = Math.fma(x[k + 2], b[r2 + j], s);
                out[j] = Math.fma(x[k + 3], b[r3 + j], s);
            }
        }
        for (; k < K; k++) {
            FloatVector x0 = FloatVector.broadcast(S, x[k]);
            int r0 = bo + k * ldb;
            for (int j = 0; j < nv; j += VL) {
                x0.fma(FloatVector.fromArray(S, b, r0 + j), FloatVector.fromArray(S, out, j)).intoArray(out, j);
            }
            for (int j = nv; j < n; j++) {
                out[j] = Math.fma(x[k], b[r0 + j], out[j]);
            }
        }
    }

    private static void axpyScalar(float[] x, int K, float[] b, int bo, int ldb, int n, float[] out) {
        Arrays.fill(out, 0, n, 0f);
        for (int k = 0; k < K; k++) {
            float xk = x[k];
            int r = bo + k * ldb;
            for (int j = 0; j < n; j++) {
                out[j] += xk * b[r + j];
            }
        }
    }
}
