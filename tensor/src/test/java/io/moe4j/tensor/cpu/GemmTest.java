package io.moe4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moe4j.tensor.cpu.GemmOracle.Problem;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link Gemm} against a double-precision triple loop ({@link GemmOracle}), on every path (public routing,
 * packed, vector direct, scalar direct), plus determinism across runs, partitions and thread counts.
 */
class GemmTest {
    /** The four implementations under test, all with the public signature. */
    interface Impl {
        void sgemm(boolean transA, boolean transB, int M, int N, int K, float alpha, float[] a, int offA, int lda,
                   float[] b, int offB, int ldb, float beta, float[] c, int offC, int ldc);
    }

    static final Impl[] IMPLS = {
        Gemm::sgemm,
        (ta, tb, m, n, k, al, a, oa, la, b, ob, lb, be, c, oc, lc) ->
                Gemm.sgemmPacked(ta, tb, m, n, k, al, a, oa, la, b, ob, lb, be, c, oc, lc, 0, 0),
        Gemm::sgemmDirect,
        Gemm::sgemmScalar,
        Gemm::sgemmRowStable,
    };
    static final String[] NAMES = {"sgemm", "packed", "direct", "scalar", "row-stable"};

    static String run(Problem p) {
        for (int v = 0; v < IMPLS.length; v++) {
            float[] c = p.freshC();
            IMPLS[v].sgemm(p.transA, p.transB, p.M, p.N, p.K, p.alpha, p.a, p.offA, p.lda, p.b, p.offB, p.ldb,
                    p.beta, c, p.offC, p.ldc);
            String err = GemmOracle.check(p, c);
            if (err != null) {
                return NAMES[v] + ": " + err;
            }
        }
        return null;
    }

    @Provide
    Arbitrary<Integer> dims() {
        return Arbitraries.of(0, 1, 2, 7, 8, 16, 17, 33, 65, 129, 257);
    }

    @Property(tries = 120, seed = "20261125")
    void allPathsMatchDoubleReference(@ForAll("dims") int M, @ForAll("dims") int N, @ForAll("dims") int K,
                                      @ForAll boolean transA, @ForAll boolean transB,
                                      @ForAll @IntRange(max = 2) int alphaIdx, @ForAll @IntRange(max = 2) int betaIdx,
                                      @ForAll @IntRange(max = 5) int pad, @ForAll @IntRange(max = 3) int off) {
        float alpha = new float[] {1f, -0.5f, 3f}[alphaIdx];
        float beta = new float[] {0f, 1f, 0.25f}[betaIdx];
        Problem p = new Problem(new Random(M * 31L + N * 7L + K), transA, transB, M, N, K, alpha, beta, pad, off);
        assertNull(run(p));
    }

    /** Shapes that cross every blocking boundary (KC, MC, NC, tile edges), all four transpose combinations. */
    @Test
    void blockBoundaries() {
        int[][] shapes = {{1, 300, 600}, {300, 1, 40}, {250, 70, 600}, {500, 33, 300}, {13, 2100, 20}, {6, 16, 513}};
        Random rnd = new Random(5);
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                Problem p = new Problem(rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1.5f, 0.5f, 3, 1);
                assertNull(run(p));
            }
        }
        for (int[] s : new int[][] {{12, 40, 30}, {300, 1, 40}, {48, 100, 9}}) { // unpadded: strips end at the array's end
            for (int t = 0; t < 4; t++) {
                assertNull(run(new Problem(rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1f, 0f, 0, 0)));
            }
        }
    }

    /** Rows of C computed in chunks of any size (down to one row) equal the rows of one whole call, bit for bit. */
    @Test
    void rowStableGivesTheSameBitsHoweverTheRowsAreSplit() {
        Random rnd = new Random(11);
        for (int[] s : new int[][] {{70, 192, 288}, {37, 96, 40}, {9, 300, 7}, {65, 5, 64}}) {
            for (boolean tb : new boolean[] {false, true}) {
                int m = s[0], n = s[1], k = s[2];
                float[] a = GemmOracle.fill(rnd, m * k), b = GemmOracle.fill(rnd, k * n);
                float[] whole = new float[m * n], split = new float[m * n];
                Gemm.sgemmRowStable(false, tb, m, n, k, 1f, a, 0, k, b, 0, tb ? k : n, 0f, whole, 0, n);
                for (int r0 = 0, step = 1; r0 < m; r0 += step, step = step * 2 + 1) {
                    int rows = Math.min(step, m - r0);
                    Gemm.sgemmRowStable(false, tb, rows, n, k, 1f, a, r0 * k, k, b, 0, tb ? k : n, 0f, split, r0 * n, n);
                }
                assertArrayEquals(whole, split, Arrays.toString(s) + " transB " + tb);
            }
        }
    }

    /** Narrow products read full A strips in place (rows or columns contiguous); the bits equal the packed strips'. */
    @Test
    void inPlaceAGivesTheBitsOfPackedA() {
        Random rnd = new Random(13);
        boolean saved = GemmKernels.inPlaceA;
        try {
            for (int[] s : new int[][] {{256, 16, 288}, {290, 16, 256}, {37, 8, 900}, {100, 32, 40}, {13, 5, 7}}) {
                for (int t = 0; t < 4; t++) {
                    Problem p = new Problem(rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1.5f, 0.5f, 3, 1);
                    float[][] c = new float[2][];
                    for (int v = 0; v < 2; v++) {
                        GemmKernels.inPlaceA = v == 0;
                        c[v] = p.freshC();
                        Gemm.sgemmPacked(p.transA, p.transB, p.M, p.N, p.K, p.alpha, p.a, p.offA, p.lda, p.b, p.offB, p.ldb,
                                p.beta, c[v], p.offC, p.ldc, 0, 0);
                    }
                    assertArrayEquals(c[1], c[0], Arrays.toString(s) + " transpose case " + t);
                    assertNull(GemmOracle.check(p, c[0]), Arrays.toString(s) + " transpose case " + t);
                }
            }
        } finally {
            GemmKernels.inPlaceA = saved;
        }
    }

    @Test
    void betaZeroDoesNotReadC() {
        Problem p = new Problem(new Random(9), false, true, 40, 50, 60, 1f, 0f, 0, 0);
        for (int v = 0; v < IMPLS.length; v++) {
            float[] c = p.freshC();
            Arrays.fill(c, p.offC, p.offC + p.M * p.ldc, Float.NaN);
            IMPLS[v].sgemm(false, true, p.M, p.N, p.K, 1f, p.a, p.offA, p.lda, p.b, p.offB, p.ldb, 0f, c, p.offC, p.ldc);
            for (int i = 0; i < p.M * p.N; i++) {
                assertTrue(Float.isFinite(c[p.offC + i]), NAMES[v] + ": NaN from C leaked through beta = 0");
            }
        }
    }

    @Test
    void noProductScalesCByBeta() {
        float[] a = {Float.NaN, Float.NaN}, b = {Float.NaN, Float.NaN};
        float[] c = {1f, 2f, 3f, 4f};
        Gemm.sgemm(false, false, 2, 2, 1, 0f, a, 0, 1, b, 0, 2, 0.5f, c, 0, 2);  // alpha = 0: A, B not read
        assertArrayEquals(new float[] {0.5f, 1f, 1.5f, 2f}, c);
        Gemm.sgemm(false, false, 2, 2, 0, 1f, a, 0, 1, b, 0, 2, 2f, c, 0, 2);  // K = 0
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, c);
        float[] nan = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        Gemm.sgemm(false, false, 2, 2, 0, 1f, a, 0, 1, b, 0, 2, 0f, nan, 0, 2);
        assertArrayEquals(new float[4], nan);
    }

    @Test
    void sameBitsTwice() {
        Problem p = new Problem(new Random(11), false, true, 300, 200, 517, 1f, 0f, 0, 0);
        assertArrayEquals(product(p, 0, 0), product(p, 0, 0));
    }

    /** The packed path gives the same bits for any partition of C, so for any thread count. */
    @Test
    void packedBitsIndependentOfPartition() {
        for (boolean transB : new boolean[] {false, true}) {
            Problem p = new Problem(new Random(12), true, transB, 203, 301, 600, 0.75f, 0.5f, 2, 1);
            float[] whole = product(p, 1, 1);
            for (int[] grid : new int[][] {{2, 1}, {1, 2}, {3, 2}, {5, 7}}) {
                assertArrayEquals(whole, product(p, grid[0], grid[1]), "grid " + grid[0] + "x" + grid[1]);
            }
            assertArrayEquals(whole, product(p, 0, 0), "public routing");
        }
    }

    /** One vs two real threads, on the packed path and on both splits of the direct path. */
    @Test
    void sameBitsOnOneAndTwoThreads() {
        Assumptions.assumeTrue(Parallel.threads() >= 2, "needs a pool of at least 2 threads");
        int[][] shapes = {{300, 400, 500}, {1, 3000, 600}, {3000, 3, 200}, {2, 5000, 300}};
        for (int[] s : shapes) {
            for (boolean transB : new boolean[] {false, true}) {
                Problem p = new Problem(new Random(13), false, transB, s[0], s[1], s[2], 1f, 0f, 0, 0);
                float[][] out = new float[2][];
                Parallel.withThreads(1, () -> out[0] = product(p, 0, 0));
                Parallel.withThreads(2, () -> out[1] = product(p, 0, 0));
                assertArrayEquals(out[0], out[1], Arrays.toString(s) + " transB=" + transB);
            }
        }
    }

    private static float[] product(Problem p, int tm, int tn) {
        float[] c = p.freshC();
        if (tm == 0) {
            Gemm.sgemm(p.transA, p.transB, p.M, p.N, p.K, p.alpha, p.a, p.offA, p.lda, p.b, p.offB, p.ldb, p.beta, c, p.offC, p.ldc);
        } else {
            Gemm.sgemmPacked(p.transA, p.transB, p.M, p.N, p.K, p.alpha, p.a, p.offA, p.lda, p.b, p.offB, p.ldb,
                    p.beta, c, p.offC, p.ldc, tm, tn);
        }
        return c;
    }

    @Test
    void gridSplitsTheLongerSideFirst() {
        assertEquals(2L << 32 | 1, Gemm.chooseGrid(2, 400, 20, 512));  // tall C: split rows
        assertEquals(1L << 32 | 2, Gemm.chooseGrid(2, 2, 400, 512));   // wide, short C: split columns
        assertEquals(1L << 32 | 1, Gemm.chooseGrid(1, 400, 400, 512));
    }

    @Test
    void badArgumentsGiveOneLineMessages() {
        float[] x = new float[100];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 4, 4, 4, 1f, x, 0, 3, x, 0, 4, 0f, x, 0, 4));
        assertTrue(e.getMessage().contains("A") && e.getMessage().contains("leading dimension >= 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, true, 10, 10, 10, 1f, x, 0, 10, x, 0, 10, 0f, new float[99], 0, 10));
        assertTrue(e.getMessage().contains("C") && e.getMessage().contains("needs 100 floats"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, -1, 4, 4, 1f, x, 0, 4, x, 0, 4, 0f, x, 0, 4));
        assertTrue(e.getMessage().contains("M=-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(true, false, 4, 4, 4, 1f, x, 98, 4, x, 0, 4, 0f, x, 0, 4));
    }

    /**
     * sgemmGathered against gathering the indexed rows into contiguous copies and calling sgemmRowStable: the same
     * bits, on the packed path (wide shapes, with tile and K-block edges) and the direct one (narrow), all transposes,
     * indexes into A, B or both, with repeats and an offset into the index; and against the double oracle.
     */
    @Property(tries = 60, seed = "20261126")
    void gatheredRowsGiveTheBitsOfAGatheredCopy(@ForAll("gatherDims") int M, @ForAll("gatherDims") int N, @ForAll("gatherDims") int K,
                                                 @ForAll boolean transA, @ForAll boolean transB, @ForAll @IntRange(min = 1, max = 3) int which,
                                                 @ForAll @IntRange(max = 1) int betaIdx) {
        Random rnd = new Random(M * 131L + N * 17L + K * 3L + which);
        int rowsA = transA ? K : M, colsA = transA ? M : K, rowsB = transB ? N : K, colsB = transB ? K : N;
        int lda = colsA + 3, ldb = colsB + 1, srcA = rowsA + 5, srcB = rowsB + 4;
        float[] a = randomFloats(rnd, 2 + srcA * lda), b = randomFloats(rnd, 1 + srcB * ldb);
        int[] ia = (which & 1) != 0 ? index(rnd, 2, rowsA, srcA) : null, ib = (which & 2) != 0 ? index(rnd, 1, rowsB, srcB) : null;
        float beta = betaIdx == 0 ? 0f : 0.5f;
        float[] c0 = randomFloats(rnd, M * N + 2), want = c0.clone(), got = c0.clone();
        float[] ga = ia == null ? a : gathered(a, 2, lda, ia, 2, rowsA, colsA), gb = ib == null ? b : gathered(b, 1, ldb, ib, 1, rowsB, colsB);
        Gemm.sgemmRowStable(transA, transB, M, N, K, 1.25f, ga, ia == null ? 2 : 0, ia == null ? lda : colsA, gb, ib == null ? 1 : 0,
                ib == null ? ldb : colsB, beta, want, 2, N);
        Gemm.sgemmGathered(transA, transB, M, N, K, 1.25f, a, 2, lda, ia, 2, b, 1, ldb, ib, 1, beta, got, 2, N);
        assertArrayEquals(want, got, "the gathered call differs from the call on a gathered copy");
        Problem p = new Problem(transA, transB, M, N, K, 1.25f, ga, ia == null ? 2 : 0, ia == null ? lda : colsA, gb, ib == null ? 1 : 0,
                ib == null ? ldb : colsB, beta, c0, 2, N);
        assertNull(GemmOracle.check(p, got));
    }

    @Provide
    Arbitrary<Integer> gatherDims() {
        return Arbitraries.of(1, 5, 8, 17, 33, 70, 200, 400);
    }

    @Test
    void gatheredRowsOutsideTheArrayAreRefused() {
        float[] x = new float[100];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemmGathered(false, false, 2, 4, 4, 1f, x, 0, 4, new int[] {0, 30}, 0, x, 0, 4, null, 0, 0f, new float[8], 0, 4));
        assertTrue(e.getMessage().contains("row 30"), e.getMessage());
    }

    private static float[] randomFloats(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    /** off leading unused entries, then count row numbers below src (repeats allowed, unordered). */
    private static int[] index(Random rnd, int off, int count, int src) {
        int[] ix = new int[off + count];
        for (int i = 0; i < count; i++) ix[off + i] = rnd.nextInt(src);
        return ix;
    }

    private static float[] gathered(float[] x, int off, int ld, int[] ix, int i0, int rows, int cols) {
        float[] out = new float[Math.max(1, rows * cols)];
        for (int r = 0; r < rows; r++) System.arraycopy(x, off + ix[i0 + r] * ld, out, r * cols, cols);
        return out;
    }
}
