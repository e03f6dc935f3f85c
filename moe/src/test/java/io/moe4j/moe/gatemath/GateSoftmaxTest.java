package io.moe4j.moe.gatemath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class GateSoftmaxTest {

    @Test
    void topKSoftmaxHandExample() {
        // logits [1, 3, 2, 0], k = 2 → experts 1 and 2 with logits 3 and 2:
        // s = [e³, e²] / (e³ + e²) = [e/(e+1), 1/(e+1)] = [0.7310585786300049, 0.2689414213699951]
        Routing r = GateRouting.topKSoftmax(new double[][] {{1, 3, 2, 0}}, 2);
        assertArrayEquals(new int[] {1, 2}, r.indices()[0]);
        assertArrayEquals(new double[] {0.7310585786300049, 0.2689414213699951}, r.scores()[0], 1e-15);
        Routing f = GateRouting.topKSoftmaxF32(new float[][] {{1, 3, 2, 0}}, 2);
        assertArrayEquals(new double[] {0.7310585786300049, 0.2689414213699951}, f.scores()[0], 1e-7);
        // the float32 result is a float: widening it back must be exact
        assertEquals((float) f.scores()[0][0], f.scores()[0][0], 0.0);
    }

    @Test
    void largeLogitsDoNotOverflow() {
        double[] s = GateSoftmax.softmax(new double[] {1000, 1000});
        assertArrayEquals(new double[] {0.5, 0.5}, s, 0);
        float[] f = GateSoftmax.softmaxF32(new float[] {1e30f, 0f});
        assertArrayEquals(new float[] {1f, 0f}, f, 0f);
    }

    /** Mixtral's softmax → top-k → renormalise gives the same experts and weights as the top-k softmax. */
    @Property(tries = 300)
    void mixtralEqualsTopKSoftmax(@ForAll @IntRange(min = 1, max = 16) int n, @ForAll @IntRange(min = 1, max = 16) int kRaw,
                                  @ForAll long seed) {
        int k = 1 + (kRaw - 1) % n;
        Random rng = new Random(seed);
        double[][] logits = new double[3][n];
        float[][] logitsF = new float[3][n];
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < n; i++) {
                logitsF[t][i] = (float) (rng.nextGaussian() * 3);
                logits[t][i] = logitsF[t][i];
            }
        }
        Routing a = GateRouting.topKSoftmax(logits, k);
        Routing b = GateRouting.mixtral(logits, k);
        Routing c = GateRouting.mixtral(logitsF, k);
        Routing d = GateRouting.topKSoftmaxF32(logitsF, k);
        for (int t = 0; t < 3; t++) {
            assertArrayEquals(a.indices()[t], b.indices()[t]);
            assertArrayEquals(a.scores()[t], b.scores()[t], 1e-12);
            assertArrayEquals(a.scores()[t], c.scores()[t], 1e-6);
            assertArrayEquals(a.scores()[t], d.scores()[t], 1e-6);
            double sum = 0;
            for (double v : a.scores()[t]) {
                sum += v;
            }
            assertEquals(1.0, sum, 1e-12);
        }
    }

    /** Central finite differences of L = Σ g_i softmax(z)_i in double. */
    @Property(tries = 100)
    void softmaxBackwardMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 8) int n, @ForAll long seed) {
        Random rng = new Random(seed);
        double[] z = new double[n];
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = rng.nextGaussian() * 2;
            g[i] = rng.nextGaussian();
        }
        double[] analytic = GateSoftmax.softmaxBackward(GateSoftmax.softmax(z), g);
        double h = 1e-6;
        for (int i = 0; i < n; i++) {
            double[] zp = z.clone();
            double[] zm = z.clone();
            zp[i] += h;
            zm[i] -= h;
            double fd = (dot(g, GateSoftmax.softmax(zp)) - dot(g, GateSoftmax.softmax(zm))) / (2 * h);
            assertEquals(fd, analytic[i], 1e-8);
        }
    }

    @Test
    void switchHandExample() {
        // Gumbel g(U) = −ln(−ln U): g(0.5) = 0.366513, g(0.2) = −0.475885, g(0.99) = 4.600149.
        // noisy = [0.5, 1.0, −1.0] + g = [0.866513, 0.524115, 3.600149] → expert 2, weight = noisy logit 3.600149226776579
        Routing r = GateRouting.switchTop1(new double[][] {{0.5, 1.0, -1.0}}, new double[][] {{0.5, 0.2, 0.99}});
        assertArrayEquals(new int[] {2}, r.indices()[0]);
        assertEquals(3.600149226776579, r.scores()[0][0], 1e-12);
        Routing clean = GateRouting.switchTop1(new double[][] {{0.5, 1.0, -1.0}}, null);
        assertArrayEquals(new int[] {1}, clean.indices()[0]);
        assertEquals(1.0, clean.scores()[0][0], 0);
        assertEquals(20, GateRouting.switchCapacity(128, 8, 1.25));   // floor(1.25·128/8) = 20
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
