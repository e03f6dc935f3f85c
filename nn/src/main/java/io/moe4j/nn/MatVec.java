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
    /**
     * Matrices of at least this many floats (4 MB, beyond L2) are read one row at a time: measured
     * on the Zen 4 dev box, a single sequential stream from DRAM ran ~30% faster than four
     * interleaved rows, while for cache-resident matrices four rows sharing each x load ran ~1.7x
     * faster than one (the output head of a 32k vocabulary is the big case).
     */
    static final long STREAM_MIN = Long.getLong("moe4j.exp.streamMin", 1L << 20);

    private float[] w, x, y;
    private int wOff, cols, xOff, yOff;
    private boolean stream;

    /** y[yOff + r] = Σ_c w[wOff + r·cols + c] · x[xOff + c] for r &lt; rows. */
    public void apply(float[] w, int wOff, int rows, int cols, float[] x, int xOff, float[] y, int yOff) {
        if (wOff < 0 || (long) wOff + (long) rows * cols > w.length || xOff + cols > x.length || yOff + rows > y.length)
            throw new IllegalArgumentException("matvec: [" + rows + " x " + cols + "] at " + wOff + " does not fit the arrays ("
                    + w.length + ", x " + x.length + ", y " + y.length + ")");
        if ((long) rows * cols < PARALLEL_MIN || Parallel.threads() == 1) {
            rows(w, wOff, cols, cols, x, xOff, y, yOff, 0, rows, (long) rows * cols >= STREAM_MIN);
            return;
        }
        this.w = w;
        this.wOff = wOff;
        this.cols = cols;
        this.x = x;
        this.xOff = xOff;
        this.y = y;
        this.yOff = yOff;
        this.stream = (long) rows * cols >= STREAM_MIN;
        Parallel.forRange(rows, (int) Math.max(4, PARALLEL_MIN / 2 / Math.max(1, cols)), this);
        this.w = this.x = this.y = null;
    }

    @Override
    public void run(int r0, int r1) {
        rows(w, wOff, cols, cols, x, xOff, y, yOff, r0, r1, stream);
    }

    /**
     * Rows [r0, r1) of the product on this thread; row r of W starts at wOff + r·ld. {@code stream}
     * reads one row at a time (see {@link #STREAM_MIN}).
     */
    static void rows(float[] w, int wOff, int ld, int cols, float[] x, int xOff, float[] y, int yOff, int r0, int r1,
                     boolean stream) {
        int r = r0;
        if (!SimdConfig.SCALAR && cols >= S.length() && MODE == 4) {
            int q = (r1 - r0) / 8;
            for (int i = 0; i < q; i++) dot8(w, wOff + (r0 + i) * ld, q * ld, cols, x, xOff, y, yOff + r0 + i, q);
            r = r0 + 8 * q;
        }
        if (!SimdConfig.SCALAR && cols >= S.length() && MODE >= 2 && MODE < 4 && (stream || MODE == 3)) {
            int q = (r1 - r0) / 4;
            for (int i = 0; i < q; i++) dot4(w, wOff + (r0 + i) * ld, q * ld, cols, x, xOff, y, yOff + r0 + i, q);
            r = r0 + 4 * q;
        }
        if (!SimdConfig.SCALAR && cols >= S.length()) {
            if (stream || MODE == 1) {
                for (; r < r1; r++) y[yOff + r] = dotVector(w, wOff + r * ld, x, xOff, cols);
            }
            for (; r + 4 <= r1; r += 4) dot4(w, wOff + r * ld, ld, cols, x, xOff, y, yOff + r, 1);
        }
        for (; r < r1; r++) y[yOff + r] = dot(w, wOff + r * ld, x, xOff, cols);
    }

    /** Four rows of length n starting at {@code o}, row stride {@code ld}. */
    static final int MODE = Integer.getInteger("moe4j.exp.mode", 0);
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

    private static void dot8(float[] w, int o, int ld, int n, float[] x, int xo, float[] y, int yo, int ys) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int l = S.length(), i = 0;
        for (; i <= n - l; i += l) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            a0 = FloatVector.fromArray(S, w, o + i).fma(xv, a0);
            a1 = FloatVector.fromArray(S, w, o + ld + i).fma(xv, a1);
            a2 = FloatVector.fromArray(S, w, o + 2 * ld + i).fma(xv, a2);
            a3 = FloatVector.fromArray(S, w, o + 3 * ld + i).fma(xv, a3);
            a4 = FloatVector.fromArray(S, w, o + 4 * ld + i).fma(xv, a4);
            a5 = FloatVector.fromArray(S, w, o + 5 * ld + i).fma(xv, a5);
            a6 = FloatVector.fromArray(S, w, o + 6 * ld + i).fma(xv, a6);
            a7 = FloatVector.fromArray(S, w, o + 7 * ld + i).fma(xv, a7);
        }
        y[yo] = a0.reduceLanes(VectorOperators.ADD) + dot(w, o + i, x, xo + i, n - i);
        y[yo + ys] = a1.reduceLanes(VectorOperators.ADD) + dot(w, o + ld + i, x, xo + i, n - i);
        y[yo + 2 * ys] = a2.reduceLanes(VectorOperators.ADD) + dot(w, o + 2 * ld + i, x, xo + i, n - i);
        y[yo + 3 * ys] = a3.reduceLanes(VectorOperators.ADD) + dot(w, o + 3 * ld + i, x, xo + i, n - i);
        y[yo + 4 * ys] = a4.reduceLanes(VectorOperators.ADD) + dot(w, o + 4 * ld + i, x, xo + i, n - i);
        y[yo + 5 * ys] = a5.reduceLanes(VectorOperators.ADD) + dot(w, o + 5 * ld + i, x, xo + i, n - i);
        y[yo + 6 * ys] = a6.reduceLanes(VectorOperators.ADD) + dot(w, o + 6 * ld + i, x, xo + i, n - i);
        y[yo + 7 * ys] = a7.reduceLanes(VectorOperators.ADD) + dot(w, o + 7 * ld + i, x, xo + i, n - i);
    }

    /** One row with four independent accumulators (the streaming kernel). */
    private static float dotVector(float[] w, int o, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int l = S.length(), i = 0;
        for (; i <= n - 4 * l; i += 4 * l) {
            a0 = FloatVector.fromArray(S, w, o + i).fma(FloatVector.fromArray(S, x, xo + i), a0);
            a1 = FloatVector.fromArray(S, w, o + i + l).fma(FloatVector.fromArray(S, x, xo + i + l), a1);
            a2 = FloatVector.fromArray(S, w, o + i + 2 * l).fma(FloatVector.fromArray(S, x, xo + i + 2 * l), a2);
            a3 = FloatVector.fromArray(S, w, o + i + 3 * l).fma(FloatVector.fromArray(S, x, xo + i + 3 * l), a3);
        }
        for (; i <= n - l; i += l) a0 = FloatVector.fromArray(S, w, o + i).fma(FloatVector.fromArray(S, x, xo + i), a0);
        float s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += w[o + i] * x[xo + i];
        return s;
    }

    /** Σ a[ao + i] · b[bo + i], i &lt; n (scalar; used for leftover rows and short vectors). */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }
}
