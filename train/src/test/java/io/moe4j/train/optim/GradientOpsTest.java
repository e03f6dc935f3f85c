package io.moe4j.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moe4j.tensor.cpu.Parallel;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GradientOpsTest {
    @Test
    void clipScalesToMaxNormAndReturnsPreClipNorm() {
        float[] g = {3, 4, 0, 12};  // norm sqrt(9 + 16 + 144) = 13
        double norm = GradientOps.clipGlobalNorm(g, 1.0);
        assertEquals(13.0, norm, 0);
        float c = (float) (1.0 / (13.0 + 1e-6));  // torch: max_norm / (total_norm + 1e-6)
        assertArrayEquals(new float[] {3 * c, 4 * c, 0, 12 * c}, g);
        assertEquals(1.0, GradientOps.globalNorm(g), 1e-6);
    }

    @Test
    void clipLeavesSmallGradientsAlone() {
        float[] g = {3, 4, 0, 12};
        assertEquals(13.0, GradientOps.clipGlobalNorm(g, 20.0), 0);
        assertArrayEquals(new float[] {3, 4, 0, 12}, g);
    }

    @Test
    void clipOverSpansIgnoresAndKeepsOtherElements() {
        float[] g = {100, 3, 4, 100, 12};
        Spans trainable = Spans.builder().add(1, 3, false).add(4, 5, true).build();
        assertEquals(13.0, GradientOps.clipGlobalNorm(g, trainable, 6.5), 0);
        float c = (float) (6.5 / (13.0 + 1e-6));
        assertArrayEquals(new float[] {100, 3 * c, 4 * c, 100, 12 * c}, g);
    }

    @Test
    void nonFiniteNormScalesNothing() {
        float[] g = {1, Float.NaN, 2};
        assertTrue(Double.isNaN(GradientOps.clipGlobalNorm(g, 1.0)));
        assertEquals(1f, g[0]);
        assertEquals(2f, g[2]);
    }

    @Test
    void normIsBitIdenticalAcrossThreadCounts() {
        SplittableRandom r = new SplittableRandom(5);
        float[] g = new float[200_003];  // many blocks, ragged end
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        double many = GradientOps.globalNorm(g);
        double[] one = new double[1];
        Parallel.withThreads(1, () -> one[0] = GradientOps.globalNorm(g));
        assertEquals(Double.doubleToLongBits(one[0]), Double.doubleToLongBits(many));
        double plain = 0;
        for (float x : g) {
            plain += (double) x * x;
        }
        assertEquals(Math.sqrt(plain), many, 1e-9 * many);
    }

    @Test
    void accumulationScale() {
        float[] g = {4, -8, 1};
        GradientOps.scaleForAccumulation(g, 4);
        assertArrayEquals(new float[] {1, -2, 0.25f}, g);
        GradientOps.scaleForAccumulation(g, 1);
        assertArrayEquals(new float[] {1, -2, 0.25f}, g);
        assertThrows(IllegalArgumentException.class, () -> GradientOps.scaleForAccumulation(g, 0));
    }

    @Test
    void firstNonFiniteNamesTheLowestOffendingParameter() {
        ParamLayout layout = new ParamLayout(java.util.List.of(
                new ParamSegment("a", 0, 4, new int[] {4}),
                new ParamSegment("big", 5, 40_000, new int[] {200, 200}),
                new ParamSegment("c", 40_010, 3, new int[] {3})), 40_020);
        float[] x = new float[40_020];
        assertEquals(Optional.empty(), GradientOps.firstNonFinite(layout, x));
        x[4] = Float.NaN;                    // padding: ignored
        x[40_019] = Float.POSITIVE_INFINITY; // padding: ignored
        assertEquals(Optional.empty(), GradientOps.firstNonFinite(layout, x));
        x[40_011] = Float.NEGATIVE_INFINITY;
        assertEquals(Optional.of("c"), GradientOps.firstNonFinite(layout, x));
        x[30_000] = Float.NaN;
        assertEquals(Optional.of("big"), GradientOps.firstNonFinite(layout, x));
        x[3] = Float.NaN;
        assertEquals(Optional.of("a"), GradientOps.firstNonFinite(layout, x));
        assertThrows(IllegalArgumentException.class, () -> GradientOps.firstNonFinite(layout, new float[7]));
    }
}
