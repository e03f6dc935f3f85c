package io.moe4j.nn;

import io.moe4j.tensor.cpu.Parallel;
import io.moe4j.tensor.cpu.SimdConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-vector products for single-token decoding, y = W · x with W row-major [rows, cols]
 * (a weight stored [out, in]).
 *
 * <p>Decoding one token is a chain of matvecs that read every weight once, so it is bound by
 * memory and by per-call overhead, not by FLOPs. The kernel computes four rows at a time so each
 * load of x feeds four FMAs, with Vector API lanes (scalar when {@code -Dmoe4j.vector.bits=0}).
 * The four rows are taken from the four quarters of the row range (rows r, r+q, r+2q, r+3q), not
 * side by side: W is then read as four long sequential streams at once. Why: once a model
 * outgrows the last-level cache (stories15M's 61 MB of weights are re-read from DRAM every token),
 * one core's bandwidth is set by how many streams the hardware prefetchers run in parallel.
 * Measured on the shared 2-core Zen 4 dev box under load: 4 streams read DRAM ~2.5x faster than
 * 1, and a stories15M-shaped decode took ~1.3-1.8x less CPU time than with four adjacent rows or
 * with one row at a time (8 streams gained nothing more); cache-resident matrices (stories260K)
 * run as fast as before.
 * Products above {@link #PARALLEL_MIN} multiply-adds are split by rows over {@link Parallel}'s
 * pool; smaller ones stay on the calling thread, where a hand-off would cost more than the work.
 *
 * <p>An instance is a reusable parallel task (its arguments live in fields), so a decode step
 * allocates nothing; it is therefore not thread-safe: one instance per decoding thread, which is
 * why each {@link KvCache} owns one.
 */
public final class MatVec implements Parallel.RangeTask {
    private static final VectorSpecies<Float> S = SimdConfig.SPECIES;
    /** Multiply-adds below which a product runs on the calling thread. */
    static final long PARALLEL_MIN = 1L << 16;

    private float[] w, x, y;
    private int wOff, cols, xOff, yOff;

    /** y[yOff + r] = Σ_c w[wOff + r·cols + c] · x[xOff + c] for r &lt; rows. */
    public void apply(float[] w, int wOff, int rows, int cols, float[] x, int xOff, float[] y, int yOff) {
        if (wOff < 0 || (long) wOff + (long) rows * cols > w.length || xOff + cols > x.length || yOff + rows > y.length)
            throw new IllegalArgumentException("matvec: [" + rows + " x " + cols + "] at " + wOff + " does not fit the arrays ("
                    + w.length + ", x " + x.length + ", y " + y.length + ")");
        if ((long) rows * cols < PARALLEL_MIN || Parallel.threads() == 1) {
            rows(w, wOff, cols, cols, x, xOff, y, yOff, 0, rows);
            return;
        }
        this.w = w;
        this.wOff = wOff;
        this.cols = cols;
        this.x = x;
        this.xOff = xOff;
        this.y = y;
        this.yOff = yOff;
        Parallel.forRange(rows, (int) Math.max(4, PARALLEL_MIN / 2 / Math.max(1, cols)), this);
        this.w = this.x = this.y = null;
    }

    @Override
    public void run(int r0, int r1) {
        rows(w, wOff, cols, cols, x, xOff, y, yOff, r0, r1);
    }

    /**
     * Rows [r0, r1) of the product on this thread; row r of W starts at wOff + r·ld. With q =
     * (r1 - r0) / 4, step i computes rows r0+i, r0+q+i, r0+2q+i, r0+3q+i together (four sequential
     * streams through W, see the class comment); the last (r1 - r0) mod 4 rows follow one by one,
     * each with the same arithmetic as a dot4 row.
     */
    static void rows(float[] w, int wOff, int ld, int cols, float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        int r = r0;
        if (!SimdConfig.SCALAR && cols >= S.length()) {
            int q = (r1 - r0) / 4;
            for (int i = 0; i < q; i++) dot4(w, wOff + (r0 + i) * ld, q * ld, cols, x, xOff, y, yOff + r0 + i, q);
            for (r = r0 + 4 * q; r < r1; r++) y[yOff + r] = dot1(w, wOff + r * ld, x, xOff, cols);
        }
        for (; r < r1; r++) y[yOff + r] = dot(w, wOff + r * ld, x, xOff, cols);
    }

    /**
     * Four rows of length n starting at {@code o}, row stride {@code ld}, into y[yo + k·ys] for
     * k &lt; 4.
     */
    private static void dot4(float[] w, int o, int ld, int n, float[] x, int xo, float[] y, int yo, int ys) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int l = S.length(), i = 0, o1 = o + ld, o2 = o + 2 * ld, o3 = o + 3 * ld;
        for (; i <= n - l; i += l) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            a0 = FloatVector.fromArray(S, w, o + i).fma(xv, a0);
            a1 = FloatVector.fromArray(S, w, o1 + i).fma(xv, a1);
            a2 = FloatVector.fromArray(S, w, o2 + i).fma(xv, a2);
            a3 = FloatVector.fromArray(S, w, o3 + i).fma(xv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float xi = x[xo + i];
            s0 += w[o + i] * xi;
            s1 += w[o1 + i] * xi;
            s2 += w[o2 + i] * xi;
            s3 += w[o3 + i] * xi;
        }
        y[yo] = s0;
        y[yo + ys] = s1;
        y[yo + 2 * ys] = s2;
        y[yo + 3 * ys] = s3;
    }

    /**
     * One row of length n with the arithmetic of one {@link #dot4} row (same accumulation order),
     * so a row's bits do not depend on whether it fell in a quarter or among the leftovers, and
     * hence not on the thread count that chose the row ranges.
     */
    private static float dot1(float[] w, int o, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(S);
        int l = S.length(), i = 0;
        for (; i <= n - l; i += l) a0 = FloatVector.fromArray(S, w, o + i).fma(FloatVector.fromArray(S, x, xo + i), a0);
        float s = a0.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += w[o + i] * x[xo + i];
        return s;
    }

    /** Σ a[ao + i] · b[bo + i], i &lt; n (the scalar path: {@code -Dmoe4j.vector.bits=0}, or rows shorter than a vector). */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }
}
