package io.moe4j.moe.gatemath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.cpu.Parallel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GateNoiseTest {
    /**
     * The first values of blocks 0 and 1 of a [300, 2] draw with seed 123456789, from an independent Python version of the
     * same recipe (SplitMix64 output function, polar method, math.log and math.sqrt); StrictMath and Python's libm may
     * differ in the last bit, hence the tolerance.
     */
    @Test
    void matchesAnIndependentImplementation() {
        double[] v = GateNoise.draw(123456789L, 300, 2, DType.F64).toDoubleArray();
        double[] block0 = {-0.4856036693891035, -0.010908837956840223, -0.24596478039053707, -0.2330875682982843,
            -0.8948053927768624, 0.5220786958150844};
        double[] block1 = {-0.37234829061642366, -0.7015279968932642, 1.8882272484289107, 0.2380482644631176};
        for (int i = 0; i < block0.length; i++) assertEquals(block0[i], v[i], 1e-15, "block 0 value " + i);
        for (int i = 0; i < block1.length; i++) assertEquals(block1[i], v[256 * 2 + i], 1e-15, "block 1 value " + i);
    }

    @Test
    void standardNormalMomentsAndThreadIndependence() {
        Tensor[] drawn = new Tensor[2];
        Parallel.withThreads(1, () -> drawn[0] = GateNoise.draw(42L, 20_000, 8, DType.F64));
        Parallel.withThreads(2, () -> drawn[1] = GateNoise.draw(42L, 20_000, 8, DType.F64));
        Tensor one = drawn[0], two = drawn[1];
        double[] v = one.toDoubleArray();
        assertArrayEquals(v, two.toDoubleArray(), 0.0, "1 vs 2 threads");
        double mean = Arrays.stream(v).average().orElseThrow(), var = 0, fourth = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
            fourth += Math.pow(x - mean, 4);
        }
        var /= v.length;
        fourth /= v.length;
        assertEquals(0, mean, 4 * Math.sqrt(1.0 / v.length), "mean"); // 4 standard errors
        assertEquals(1, var, 4 * Math.sqrt(2.0 / v.length), "variance");
        assertEquals(3, fourth, 4 * Math.sqrt(96.0 / v.length), "fourth moment");
        assertFalse(Arrays.equals(v, GateNoise.draw(43L, 20_000, 8, DType.F64).toDoubleArray()), "another seed, other values");
    }
}
