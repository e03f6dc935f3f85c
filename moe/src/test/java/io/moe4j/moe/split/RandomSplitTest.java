package io.moe4j.moe.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RandomSplitTest {

    @Test
    void llamaSizes() {
        assertArrayEquals(repeat(688, 16), RandomSplit.split(11008, 16, 0).sizeExperts());
        assertArrayEquals(repeat(1376, 8), RandomSplit.split(11008, 8, 0).sizeExperts());
    }

    @Test
    void remainderGoesToFirstExperts() {
        // 10 = 3·3 + 1: expert 0 gets 4; 11 = 3·3 + 2: experts 0 and 1 get 4
        assertArrayEquals(new int[] {4, 3, 3}, RandomSplit.split(10, 3, 1).sizeExperts());
        assertArrayEquals(new int[] {4, 4, 3}, RandomSplit.split(11, 3, 1).sizeExperts());
    }

    @Test
    void seededAndReproducible() {
        assertEquals(RandomSplit.split(200, 4, 99), RandomSplit.split(200, 4, 99));
        assertNotEquals(RandomSplit.split(200, 4, 99), RandomSplit.split(200, 4, 100));
    }

    /** Over many seeds each neuron lands in each expert about equally often (the shuffle is uniform). */
    @Test
    void labelsAreUniformOverSeeds() {
        int runs = 4000;
        int[][] counts = new int[8][4];
        for (int s = 0; s < runs; s++) {
            int[] labels = RandomSplit.labels(8, 4, s);
            for (int i = 0; i < 8; i++) {
                counts[i][labels[i]]++;
            }
        }
        // expected 1000 each, binomial sd ≈ 27: ±150 is more than 5 sd
        for (int[] row : counts) {
            for (int c : row) {
                assertTrue(Math.abs(c - 1000) < 150, "count " + c + " far from 1000");
            }
        }
    }

    @Test
    void rejectsMoreExpertsThanNeurons() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RandomSplit.split(3, 4, 0));
        assertTrue(e.getMessage().contains("numExperts (N) must be in [1, I=3], got 4"), e.getMessage());
    }

    private static int[] repeat(int v, int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
