package io.moe4j.moe.gatemath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BalanceLossTest {

    @Test
    void cv2HandCases() {
        // [1,2,3]: mean 2, unbiased var (1+0+1)/2 = 1 → 1 / (4 + 1e-10) = 0.24999999999375
        assertEquals(0.24999999999375, BalanceLoss.cv2(new double[] {1, 2, 3}), 1e-16);
        // [3,1,0,4]: mean 2, squared deviations 1+1+4+4 = 10, /3 → 3.3333…; / (4 + 1e-10) = 0.8333333333125
        assertEquals(0.8333333333125, BalanceLoss.cv2(new double[] {3, 1, 0, 4}), 1e-15);
        // [0,1]: mean 0.5, var (0.25+0.25)/1 = 0.5 → 0.5 / (0.25 + 1e-10) = 1.9999999992
        assertEquals(1.9999999992, BalanceLoss.cv2(new double[] {0, 1}), 1e-15);
        // a single expert and an all-zero vector give 0
        assertEquals(0.0, BalanceLoss.cv2(new double[] {5}), 0);
        assertEquals(0.0, BalanceLoss.cv2(new double[] {0, 0}), 0);
    }

    @Test
    void importanceLoadAndLossHandCase() {
        // token 0 → experts 0, 2 with scores 0.7, 0.3; token 1 → experts 2, 1 with 0.6, 0.4
        int[][] idx = {{0, 2}, {2, 1}};
        double[][] s = {{0.7, 0.3}, {0.6, 0.4}};
        double[] imp = BalanceLoss.importance(idx, s, 3);
        assertArrayEquals(new double[] {0.7, 0.4, 0.9}, imp, 1e-15);
        double[] load = BalanceLoss.countLoad(idx, 3);
        assertArrayEquals(new double[] {1, 1, 2}, load, 0);
        // cv²([.7,.4,.9]) = 0.063333/0.444444 = 0.14250; cv²([1,1,2]) = (1/3)/(16/9) = 0.1875;
        // 0.01 · (0.1425 + 0.1875) = 0.0033 (less 4.3e-13 from ε) — numpy: 0.003299999999573906
        assertEquals(0.003299999999573906, BalanceLoss.balanceLoss(imp, load, BalanceLoss.DEFAULT_WEIGHT), 1e-15);
        assertArrayEquals(new double[][] {{5, 7}, {7, 6}},
                BalanceLoss.importanceBackward(idx, new double[] {5, 6, 7}));
    }

    @Test
    void switchAuxHandCase() {
        // P = mean probs = [0.4, 0.4, 0.2]; f = counts/T = [0.5, 0.5, 0]; N·Σ P f = 3·0.4 = 1.2; × 0.01 = 0.012
        double[][] probs = {{0.7, 0.2, 0.1}, {0.1, 0.6, 0.3}};
        int[][] sel = {{0}, {1}};
        assertEquals(0.012, BalanceLoss.switchAuxLoss(probs, sel, 0.01), 1e-15);
        // ∂/∂p[t][i] = coef·N·f_i/T = 0.01·3·[0.5, 0.5, 0]/2
        assertArrayEquals(new double[] {0.0075, 0.0075, 0}, BalanceLoss.switchAuxGrad(probs, sel, 0.01)[1], 1e-15);
    }

    @Property(tries = 200)
    void cv2GradMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 16) int n, @ForAll boolean nearZeroMean,
                                         @ForAll long seed) {
        Random rng = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = nearZeroMean ? rng.nextGaussian() : 1 + 5 * rng.nextDouble();
        }
        // |mean| → 0 makes cv² ~ var/mean² so curved that a fixed-step difference is no longer an oracle
        Assume.that(Math.abs(java.util.Arrays.stream(x).average().orElse(0)) > 1e-2);
        double[] g = BalanceLoss.cv2Grad(x);
        double h = 1e-6;
        for (int i = 0; i < n; i++) {
            double[] p = x.clone();
            double[] m = x.clone();
            p[i] += h;
            m[i] -= h;
            double fd = (BalanceLoss.cv2(p) - BalanceLoss.cv2(m)) / (2 * h);
            assertEquals(fd, g[i], 1e-6 * (1 + Math.abs(fd)), "∂cv²/∂x" + i);
        }
    }
}
