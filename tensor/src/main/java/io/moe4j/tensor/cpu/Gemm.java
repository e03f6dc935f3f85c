package io.moe4j.tensor.cpu;

import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision matrix multiply {@code C = alpha * op(A) * op(B) + beta * C} on row-major arrays.
 *
 * <p>Large products take a packed, register-tiled path in the GotoBLAS/BLIS style ({@link GemmKernels}):
 * op(A) and op(B) are copied in blocks into contiguous panels laid out in the order the micro-kernel reads
 * them, whatever the transposes, and the micro-kernel keeps an {@code MR x NR} tile of C in vector registers
 * for a whole K block of FMAs. The block sizes keep the A strip in L1 and the B panel in L2.
 *
 * <p>Threads split C into a {@code tm x tn} grid of rectangles (both dimensions, cut on MR/NR tile lines);
 * each thread packs only the A rows and B columns of its own rectangle, with no barriers. The K dimension is
 * never split and its blocking depends on K alone, so each element of C sees the same operations in the same
 * order on any thread count: results are bit-identical for 1, 2 or more threads.
 *
 * <p>Products with a tiny dimension (decode-time {@code M = 1}, a handful of columns, small K) take a direct
 * dot/axpy path instead, because packing would cost as much as the multiply. With
 * {@code -Dmoe4j.vector.bits=0} everything takes the scalar version of that direct path.
 */
public final class Gemm {
    private static final VectorSpecies<Float> S = SimdConfig.SPECIES;
    private static final int VL = S.length();
    /** Below this many multiply-adds ({@code M*N*K}) a product runs on one thread. */
    static final long PARALLEL_MIN_WORK = 1L << 19;

    private Gemm() {}

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}. op(A) is M x K: A is stored M x K (row stride {@code lda})
     * or, when {@code transA}, K x M. op(B) is K x N: B is stored K x N or, when {@code transB}, N x K (the
     * {@code x W^T} case of a Linear layer whose W is [out, in]). C is M x N with row stride {@code ldc}. When
     * {@code beta == 0}, C is written without being read (it may hold NaN).
     *
     * @throws IllegalArgumentException on a negative size, a leading dimension shorter than a row, or an array
     *                                  too short for the described matrix
     */
    public static void sgemm(boolean transA, boolean transB, int M, int N, int K, float alpha,
                             float[] a, int offA, int lda, float[] b, int offB, int ldb,
                             float beta, float[] c, int offC, int ldc) {
        run(new Call(transA, transB, M, N, K, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc), useDirect(M, N, K));
    }

    /**
     * {@link #sgemm}, with the path chosen from N and K alone, so every row of C gets the same bits however the rows
     * of a product are split into calls (row chunks scheduled on different threads, as the MoE experts are).
     */
    public static void sgemmRowStable(boolean transA, boolean transB, int M, int N, int K, float alpha,
                                      float[] a, int offA, int lda, float[] b, int offB, int ldb,
                                      float beta, float[] c, int offC, int ldc) {
        run(new Call(transA, transB, M, N, K, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc), N < VL || K < 8);
    }

    /**
     * {@link #sgemmRowStable} with the stored rows of A and/or B read through an index instead of at their stride: stored
     * row r of A is a[offA + rowsA[rA + r]·lda ...] (the rows of op(A), or its K steps when transA), and likewise for
     * B with rowsB (the K steps of op(B), or its rows when transB); a null index keeps the usual layout. Gives the bits
     * of gathering those rows into a contiguous copy and calling sgemmRowStable on it (packing puts the same values in
     * the same panels), without the copy: the MoE experts' products read their tokens' rows of x and of the output
     * gradient this way.
     */
    public static void sgemmGathered(boolean transA, boolean transB, int M, int N, int K, float alpha,
                                     float[] a, int offA, int lda, int[] rowsA, int rA, float[] b, int offB, int ldb, int[] rowsB, int rB,
                                     float beta, float[] c, int offC, int ldc) {
        checkRows("A", a, offA, lda, rowsA, rA, transA ? K : M, transA ? M : K);
        checkRows("B", b, offB, ldb, rowsB, rB, transB ? N : K, transB ? K : N);
        if (SimdConfig.SCALAR || N < VL || K < 8) { // the direct path reads rows at their stride: gather them first
            float[] ga = gather(a, offA, lda, rowsA, rA, transA ? K : M, transA ? M : K);
            float[] gb = gather(b, offB, ldb, rowsB, rB, transB ? N : K, transB ? K : N);
            sgemmRowStable(transA, transB, M, N, K, alpha, ga != null ? ga : a, ga != null ? 0 : offA, ga != null ? (transA ? M : K) : lda,
                    gb != null ? gb : b, gb != null ? 0 : offB, gb != null ? (transB ? K : N) : ldb, beta, c, offC, ldc);
            return;
        }
        Call g = new Call(transA, transB, M, N, K, alpha, a, offA, lda, rowsA, rA, b, offB, ldb, rowsB, rB, beta, c, offC, ldc);
        if (!g.trivial()) {
            packed(g, 0, 0);
        }
    }

    private static void checkRows(String name, float[] x, int off, int ld, int[] rows, int r0, int count, int cols) {
        if (rows == null) {
            return;
        }
        if (x == null) {
            throw new IllegalArgumentException("sgemmGathered: array " + name + " is null");
        }
        if (r0 < 0 || r0 + count > rows.length) {
            throw new IllegalArgumentException("sgemmGathered: " + name + "'s row index [" + r0 + ", " + (r0 + count)
                    + ") does not fit an index of " + rows.length);
        }
        for (int r = r0; r < r0 + count; r++) {
            if (rows[r] < 0 || off + (long) rows[r] * ld + cols > x.length) {
                throw new IllegalArgumentException("sgemmGathered: " + name + "'s row " + rows[r] + " (index entry " + r
                        + ") needs floats up to " + (off + (long) rows[r] * ld + cols) + ", array has " + x.length);
            }
        }
    }

    /** The indexed rows as a contiguous [count, cols] copy, or null without an index. */
    private static float[] gather(float[] x, int off, int ld, int[] rows, int r0, int count, int cols) {
        if (rows == null) {
            return null;
        }
        float[] out = new float[count * cols];
        for (int r = 0; r < count; r++) {
            System.arraycopy(x, off + rows[r0 + r] * ld, out, r * cols, cols);
        }
        return out;
    }

    /** The scalar direct path when vectors are off, else the vector direct path or the packed one. */
    private static void run(Call g, boolean direct) {
        if (g.trivial()) {
            return;
        }
        if (SimdConfig.SCALAR || direct) {
            GemmDirect.run(g, !SimdConfig.SCALAR);
        } else {
            packed(g, 0, 0);
        }
    }

    /** Shapes where packing does not pay: a dimension too small to fill a register tile. */
    static boolean useDirect(int M, int N, int K) {
        return M < GemmKernels.MR - 1 || N < VL || K < 8 || (long) M * N * K < 32L * 32 * 32;
    }

    // ---- package-private entry points, so tests can reach every path whatever the shape -----------------

    /** The scalar direct path (what {@code -Dmoe4j.vector.bits=0} runs). */
    static void sgemmScalar(boolean transA, boolean transB, int M, int N, int K, float alpha, float[] a, int offA,
                            int lda, float[] b, int offB, int ldb, float beta, float[] c, int offC, int ldc) {
        Call g = new Call(transA, transB, M, N, K, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
        if (!g.trivial()) {
            GemmDirect.run(g, false);
        }
    }

    /** The vector direct path, whatever the shape. */
    static void sgemmDirect(boolean transA, boolean transB, int M, int N, int K, float alpha, float[] a, int offA,
                            int lda, float[] b, int offB, int ldb, float beta, float[] c, int offC, int ldc) {
        Call g = new Call(transA, transB, M, N, K, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
        if (!g.trivial()) {
            GemmDirect.run(g, !SimdConfig.SCALAR);
        }
    }

    /**
     * The packed path, whatever the shape. {@code tm, tn > 0} force a {@code tm x tn} grid of rectangles, run one
     * after another on the calling thread (to test that the partition does not change any bit); {@code 0, 0}
     * chooses the grid for the available threads.
     */
    static void sgemmPacked(boolean transA, boolean transB, int M, int N, int K, float alpha, float[] a, int offA,
                            int lda, float[] b, int offB, int ldb, float beta, float[] c, int offC, int ldc,
                            int tm, int tn) {
        Call g = new Call(transA, transB, M, N, K, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
        if (!g.trivial()) {
            packed(g, tm, tn);
        }
    }

    // ---- packed path: partition ---------------------------------------------------------------------------

    private static void packed(Call g, int forcedTm, int forcedTn) {
        int mr = GemmKernels.MR, nr = GemmKernels.NR;
        int mStrips = (g.M + mr - 1) / mr, nStrips = (g.N + nr - 1) / nr;
        int tm, tn;
        if (forcedTm > 0) {
            tm = Math.min(forcedTm, mStrips);
            tn = Math.min(forcedTn, nStrips);
        } else {
            long work = (long) g.M * g.N * g.K;
            int t = work < PARALLEL_MIN_WORK ? 1 : (int) Math.min(Parallel.threads(), work / (PARALLEL_MIN_WORK / 2));
            long grid = chooseGrid(t, mStrips, nStrips, g.K);
            tm = (int) (grid >>> 32);
            tn = (int) grid;
        }
        final int ftm = tm, ftn = tn;
        Parallel.RangeTask regions = (start, end) -> {
            GemmKernels.Workspace w = GemmKernels.workspace();
            for (int r = start; r < end; r++) {
                int ri = r / ftn, rj = r % ftn;
                int i0 = Parallel.chunkStart(mStrips, ftm, ri) * mr, i1 = Math.min(g.M, Parallel.chunkStart(mStrips, ftm, ri + 1) * mr);
                int j0 = Parallel.chunkStart(nStrips, ftn, rj) * nr, j1 = Math.min(g.N, Parallel.chunkStart(nStrips, ftn, rj + 1) * nr);
                GemmKernels.region(g, i0, i1, j0, j1, w);
            }
        };
        if (forcedTm > 0) {
            regions.run(0, tm * tn);
        } else {
            Parallel.forRange(tm * tn, 1, regions);
        }
    }

    /**
     * The {@code tm x tn} split of C over {@code t} threads ({@code tm * tn <= t}) with the least estimated time
     * per thread: its multiply-adds plus its packing, a copied float weighted as 8 FMA slots. A thread packs its
     * rows of op(A) once and its columns of op(B) once per MC rows, so splitting M makes every thread pack all
     * of op(B), and splitting N all of op(A). Ties go to more threads, then to splitting M (each thread then
     * writes whole rows of C). Returns {@code tm << 32 | tn}.
     */
    static long chooseGrid(int t, int mStrips, int nStrips, int K) {
        long best = Long.MAX_VALUE, bestGrid = 1L << 32 | 1;
        for (int tm = t; tm >= 1; tm--) {
            int tn = t / tm;
            if (tm > mStrips || tn > nStrips) {
                continue;
            }
            long rows = (long) ((mStrips + tm - 1) / tm) * GemmKernels.MR;
            long cols = (long) ((nStrips + tn - 1) / tn) * GemmKernels.NR;
            long bPacks = (rows + GemmKernels.MC - 1) / GemmKernels.MC;
            long cost = rows * cols * K + 8 * (rows * K + K * cols * bPacks);
            int threads = tm * tn, bestThreads = (int) (bestGrid >>> 32) * (int) bestGrid;
            if (cost < best || (cost == best && threads > bestThreads)) {
                best = cost;
                bestGrid = (long) tm << 32 | tn;
            }
        }
        return bestGrid;
    }

    // ---- one call's arguments ---------------------------------------------------------------------------

    /** The arguments of one call, checked, with op(A)/op(B) expressed as element strides. */
    static final class Call {
        final boolean transA, transB;
        final int M, N, K;
        final float alpha, beta;
        final float[] a, b, c;
        final int offA, offB, offC, ldc;
        /**
         * op(A)[i][k] = a[offA + i*rsA + k*csA]; op(B)[k][j] = b[offB + k*rsB + j*csB]; with an index the stored row r
         * starts at offA + rowsA[rA + r]·lda instead (see {@link Gemm#sgemmGathered}; packed path only).
         */
        final int rsA, csA, rsB, csB;
        final int[] rowsA, rowsB;
        final int rA, rB, lda, ldb;

        Call(boolean transA, boolean transB, int M, int N, int K, float alpha, float[] a, int offA, int lda,
             float[] b, int offB, int ldb, float beta, float[] c, int offC, int ldc) {
            this(transA, transB, M, N, K, alpha, a, offA, lda, null, 0, b, offB, ldb, null, 0, beta, c, offC, ldc);
        }

        Call(boolean transA, boolean transB, int M, int N, int K, float alpha, float[] a, int offA, int lda, int[] rowsA, int rA,
             float[] b, int offB, int ldb, int[] rowsB, int rB, float beta, float[] c, int offC, int ldc) {
            if (M < 0 || N < 0 || K < 0) {
                throw new IllegalArgumentException("sgemm: sizes must be >= 0, got M=" + M + " N=" + N + " K=" + K);
            }
            if (rowsA == null) checkMatrix("A", a, offA, lda, transA ? K : M, transA ? M : K);
            if (rowsB == null) checkMatrix("B", b, offB, ldb, transB ? N : K, transB ? K : N);
            this.rowsA = rowsA;
            this.rowsB = rowsB;
            this.rA = rA;
            this.rB = rB;
            this.lda = lda;
            this.ldb = ldb;
            checkMatrix("C", c, offC, ldc, M, N);
            this.transA = transA;
            this.transB = transB;
            this.M = M;
            this.N = N;
            this.K = K;
            this.alpha = alpha;
            this.beta = beta;
            this.a = a;
            this.b = b;
            this.c = c;
            this.offA = offA;
            this.offB = offB;
            this.offC = offC;
            this.ldc = ldc;
            rsA = transA ? 1 : lda;
            csA = transA ? lda : 1;
            rsB = transB ? 1 : ldb;
            csB = transB ? ldb : 1;
        }

        /** A stored matrix of {@code rows x cols} with row stride {@code ld} must fit in {@code x} from {@code off}. */
        private static void checkMatrix(String name, float[] x, int off, int ld, int rows, int cols) {
            if (x == null) {
                throw new IllegalArgumentException("sgemm: array " + name + " is null");
            }
            if (off < 0 || ld < Math.max(1, cols)) {
                throw new IllegalArgumentException("sgemm: " + name + " (stored " + rows + "x" + cols + ") needs offset >= 0"
                        + " and leading dimension >= " + Math.max(1, cols) + ", got offset " + off + ", ld " + ld);
            }
            long need = rows == 0 || cols == 0 ? 0 : off + (long) (rows - 1) * ld + cols;
            if (need > x.length) {
                throw new IllegalArgumentException("sgemm: " + name + " (stored " + rows + "x" + cols + ", offset " + off
                        + ", ld " + ld + ") needs " + need + " floats, array has " + x.length);
            }
        }

        /** Handles the cases with no product to compute; returns true when C is then final. */
        boolean trivial() {
            if (M == 0 || N == 0) {
                return true;
            }
            if (K > 0 && alpha != 0f) {
                return false;
            }
            for (int i = 0; i < M; i++) {  // C = beta * C (no product: K == 0 or alpha == 0)
                int o = offC + i * ldc;
                for (int j = 0; j < N; j++) {
                    c[o + j] = beta == 0f ? 0f : beta * c[o + j];
                }
            }
            return true;
        }
    }
}
