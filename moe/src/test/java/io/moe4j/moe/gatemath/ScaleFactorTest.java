package io.moe4j.moe.gatemath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScaleFactorTest {

    @Test
    void defaultIsNOverK() {
        // released models: 2/16 → 8, 4/16 → 4, 2/8 → 4 (METHOD.md §4)
        assertEquals(8.0, ScaleFactor.ratio(16, 2), 0);
        assertEquals(4.0, ScaleFactor.ratio(16, 4), 0);
        assertEquals(4.0, ScaleFactor.ratio(8, 2), 0);
        assertEquals(8.0, ScaleFactor.defaultFor(16, 2).forLayer(31), 0);
    }

    @Test
    void perLayerAndUniform() {
        ScaleFactor s = ScaleFactor.perLayer(new double[] {1.5, 2.5});
        assertTrue(s.isPerLayer());
        assertEquals(2.5, s.forLayer(1), 0);
        assertArrayEquals(new double[] {4, 4, 4}, ScaleFactor.uniform(4).values(3), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.values(3));
        assertTrue(e.getMessage().contains("have 2 values, model has 3 layers"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ScaleFactor.uniform(0));
    }

    @Test
    void calibrationRestoresAShrunkenOutput() {
        // 2 tokens, C = 2. Dense: residual L1 per token 4 and 6, MLP L1 2 and 2 → gap = 10/4 = 2.5.
        // MoE with sf = 1: same residual, MLP output a quarter of the dense one → gap = 10/1 = 10 → sf = 10/2.5 = 4.
        float[] residual = {1, -3, 2, 4};
        float[] denseMlp = {1, -1, 2, 0};
        float[] moeMlp = {0.25f, -0.25f, 0.5f, 0};
        ScaleCalibration.LayerStats dense = new ScaleCalibration.LayerStats();
        dense.add(residual, denseMlp, 2);
        ScaleCalibration.LayerStats moe = new ScaleCalibration.LayerStats();
        moe.add(residual, moeMlp, 2);
        assertEquals(2.5, dense.gap(), 1e-12);
        assertEquals(2, dense.tokens());
        assertEquals(4.0, ScaleCalibration.layerFactor(moe.gap(), dense.gap()), 1e-12);
        ScaleFactor sf = ScaleCalibration.calibrated(new double[] {2.5, 1}, new double[] {10, 3});
        assertArrayEquals(new double[] {4, 3}, sf.values(2), 1e-12);
    }
}
