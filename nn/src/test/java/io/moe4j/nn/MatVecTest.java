package io.moe4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moe4j.tensor.cpu.Parallel;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The decode matvec against a double-precision loop, for row counts that do and do not split into
 * four quarters, vector and non-vector row lengths, offsets, and row sub-ranges; and bit-equality
 * between the single-threaded and the pooled split (each row must get the same arithmetic
 * whichever chunk, quarter or leftover it lands in).
 */
class MatVecTest {
    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void matchesDoubleReference() {
        Random rnd = new Random(3);
        int[][] shapes = {{1, 1}, {3, 7}, {4, 8}, {5, 16}, {7, 33}, {9, 64}, {64, 64}, {173, 172}, {288, 288}, {1001, 300}};
        for (int[] s : shapes) {
            int rows = s[0], cols = s[1], wOff = 5, xOff = 3, yOff = 2;
            float[] w = gaussian(rnd, wOff + rows * cols), x = gaussian(rnd, xOff + cols), y = new float[yOff + rows + 1];
            new MatVec().apply(w, wOff, rows, cols, x, xOff, y, yOff);
            for (int r = 0; r < rows; r++) {
                double ref = 0, mag = 0;
                for (int c = 0; c < cols; c++) {
                    ref += (double) w[wOff + r * cols + c] * x[xOff + c];
                    mag += Math.abs((double) w[wOff + r * cols + c] * x[xOff + c]);
                }
                assertEquals(ref, y[yOff + r], 1e-5 * (1 + mag), "row " + r + " of [" + rows + " x " + cols + "]");
            }
            assertEquals(0f, y[0], "y before yOff untouched");
            assertEquals(0f, y[yOff + rows], "y after the product untouched");
        }
    }

    @Test
    void rowSubRangeWithStrideMatchesWholeProduct() {
        Random rnd = new Random(4);
        int rows = 37, cols = 40, ld = 45;
        float[] w = gaussian(rnd, rows * ld), x = gaussian(rnd, cols), all = new float[rows], part = new float[rows];
        MatVec.rows(w, 0, ld, cols, x, 0, all, 0, 0, rows);
        MatVec.rows(w, 0, ld, cols, x, 0, part, 0, 11, 30);
        for (int r = 0; r < rows; r++) {
            if (r >= 11 && r < 30) assertEquals(all[r], part[r], 0f, "row " + r + " bits");
            else assertEquals(0f, part[r], "row " + r + " outside [11, 30) untouched");
        }
    }

    @Test
    void sameBitsOnOneAndTwoThreads() {
        Random rnd = new Random(5);
        int rows = 1003, cols = 288; // above PARALLEL_MIN, and odd so quarters and leftovers move with the split
        assertTrue((long) rows * cols >= MatVec.PARALLEL_MIN);
        float[] w = gaussian(rnd, rows * cols), x = gaussian(rnd, cols), one = new float[rows], two = new float[rows];
        Parallel.withThreads(1, () -> new MatVec().apply(w, 0, rows, cols, x, 0, one, 0));
        Parallel.withThreads(2, () -> new MatVec().apply(w, 0, rows, cols, x, 0, two, 0));
        assertArrayEquals(one, two, 0f);
    }

    @Test
    void rejectsArraysTooShort() {
        var e = assertThrows(IllegalArgumentException.class, () -> new MatVec().apply(new float[11], 0, 3, 4, new float[4], 0, new float[3], 0));
        assertTrue(e.getMessage().contains("[3 x 4]"), e.getMessage());
    }
}
