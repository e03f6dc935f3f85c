package io.moe4j.moe.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SlicerTest {

    @Test
    void slicesRowsOfGateUpAndColumnsOfDown() {
        // I = 3, C = 2. gate rows g0=(1,2) g1=(3,4) g2=(5,6); up = gate + 10; down [C=2, I=3] = (7 8 9 / 10 11 12)
        float[] gate = {1, 2, 3, 4, 5, 6};
        float[] up = {11, 12, 13, 14, 15, 16};
        float[] down = {7, 8, 9, 10, 11, 12};
        ExpertSplit split = new ExpertSplit(3, new int[][] {{2, 0}, {1}});   // stored as {0, 2}
        ExpertWeights w = Slicer.slice(gate, up, down, 2, split);
        assertArrayEquals(new float[] {1, 2, 5, 6}, w.gate()[0]);
        assertArrayEquals(new float[] {11, 12, 15, 16}, w.up()[0]);
        assertArrayEquals(new float[] {7, 9, 10, 12}, w.down()[0]);   // [C=2, m=2]: columns 0 and 2
        assertArrayEquals(new float[] {3, 4}, w.gate()[1]);
        assertArrayEquals(new float[] {8, 11}, w.down()[1]);
        assertArrayEquals(new int[] {2, 1}, w.sizes());
    }

    @Test
    void upcyclingCopiesTheWholeFfn() {
        Random rng = new Random(3);
        int ffn = 7;
        int hidden = 4;
        float[] gate = Ffn.randomWeights(rng, ffn * hidden);
        float[] up = Ffn.randomWeights(rng, ffn * hidden);
        float[] down = Ffn.randomWeights(rng, hidden * ffn);
        ExpertWeights w = Slicer.slice(gate, up, down, hidden, UpcyclingSplit.split(ffn, 3));
        double[] x = Ffn.randomVector(rng, hidden);
        double[] dense = Ffn.dense(gate, up, down, ffn, hidden, x);
        for (int e = 0; e < 3; e++) {
            assertArrayEquals(gate, w.gate()[e]);
            assertArrayEquals(down, w.down()[e]);
        }
        double[] sum = Ffn.sumOfExperts(w, x);
        for (int c = 0; c < hidden; c++) {
            assertTrue(Math.abs(sum[c] - 3 * dense[c]) < 1e-9, "Σ of 3 copies = 3 × dense");
        }
    }

    @Test
    void rejectsWrongLengths() {
        ExpertSplit split = RandomSplit.split(4, 2, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Slicer.slice(new float[8], new float[8], new float[7], 2, split));
        assertTrue(e.getMessage().startsWith("down_proj: expected 8 floats for [C=2, I=4], got 7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ExpertSplit(4, new int[][] {{0, 4}}));
        assertTrue(e.getMessage().contains("neuron index 4 outside [0, 4)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ExpertSplit(4, new int[][] {{1, 1}}));
        assertTrue(e.getMessage().contains("listed twice"), e.getMessage());
    }
}
