package io.moe4j.moe.gatemath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moe4j.moe.gatemath.SmoothLoad.InRule;
import java.util.Random;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SmoothLoadTest {

    // Φ values below are standard normal table values (checked with scipy.stats.norm.cdf).

    @Test
    void handCaseShazeerVsRepoRule() {
        // N = 3, k = 1, σ = 1. clean [1, 0, −1], noisy [1.1, 0.9, −2.0] (noise term [0.1, 0.9, −1.0]).
        // Top-2 of noisy: expert 0 (1.1), expert 1 (0.9) → th_out = 1.1 (k-th), th_in = 0.9 ((k+1)-th).
        // Shazeer: in = noisy > 0.9 → only expert 0.  P = [Φ(1−0.9), Φ(0−1.1), Φ(−1−1.1)] = [Φ(0.1), Φ(−1.1), Φ(−2.1)]
        // Repo: in = noise > 0.9 → nobody.           P = [Φ(1−1.1), Φ(−1.1), Φ(−2.1)]
        double[][] clean = {{1, 0, -1}};
        double[][] noisy = {{1.1, 0.9, -2.0}};
        double[][] sigma = {{1, 1, 1}};
        assertArrayEquals(new double[] {0.539827837277029, 0.13566606094638267, 0.017864420562816542},
                SmoothLoad.load(clean, noisy, sigma, 1, InRule.SHAZEER), 1e-14);
        assertArrayEquals(new double[] {0.460172162722971, 0.13566606094638267, 0.017864420562816542},
                SmoothLoad.load(clean, noisy, sigma, 1, InRule.REPO_NOISE_ONLY), 1e-14);
    }

    @Test
    void handCaseWithSigmaAndTwoTokens() {
        // σ = [0.5, 2, 1]: P = [Φ(0.1/0.5), Φ(−1.1/2), Φ(−2.1)] = [Φ(0.2), Φ(−0.55), Φ(−2.1)]; two equal tokens double it.
        double[][] clean = {{1, 0, -1}, {1, 0, -1}};
        double[][] noisy = {{1.1, 0.9, -2.0}, {1.1, 0.9, -2.0}};
        double[][] sigma = {{0.5, 2, 1}, {0.5, 2, 1}};
        assertArrayEquals(new double[] {2 * 0.579259709439103, 2 * 0.29115968678834636, 2 * 0.017864420562816542},
                SmoothLoad.load(clean, noisy, sigma, 1, InRule.SHAZEER), 1e-14);
    }

    @Test
    void allExpertsSelectedMeansLoadIsTokenCount() {
        double[][] x = {{0.3, -0.2}, {1, 2}, {0, 0}};
        double[][] s = {{1, 1}, {1, 1}, {1, 1}};
        assertArrayEquals(new double[] {3, 3}, SmoothLoad.load(x, x, s, 2, InRule.SHAZEER), 0);
    }

    @Test
    void initialNoiseStdIsLn2PlusEpsilon() {
        // W_noise = 0 → σ = softplus(0) + 0.01 = ln 2 + 0.01 = 0.7031471805599453 (METHOD.md §2.2)
        assertEquals(0.7031471805599453, SmoothLoad.noiseStd(0, 0.01), 1e-15);
        assertEquals(0.5, SmoothLoad.noiseStdGrad(0), 0);
        assertEquals(800.01, SmoothLoad.noiseStd(800, 0.01), 1e-9);   // no overflow
        double h = 1e-6;
        for (double a : new double[] {-30, -2, 0.3, 5}) {
            double fd = (SmoothLoad.noiseStd(a + h, 0.01) - SmoothLoad.noiseStd(a - h, 0.01)) / (2 * h);
            assertEquals(fd, SmoothLoad.noiseStdGrad(a), 1e-8);
        }
    }

    /** Central finite differences of L = Σ_i g_i load_i w.r.t. clean, σ and noisy, in double. */
    @Property(tries = 150)
    void backwardMatchesFiniteDifferences(@ForAll @IntRange(min = 2, max = 8) int n, @ForAll @IntRange(min = 1, max = 7) int kRaw,
                                          @ForAll @IntRange(min = 1, max = 4) int tokens, @ForAll boolean repoRule,
                                          @ForAll long seed) {
        int k = 1 + (kRaw - 1) % (n - 1);   // k < N so thresholds exist
        InRule rule = repoRule ? InRule.REPO_NOISE_ONLY : InRule.SHAZEER;
        Random rng = new Random(seed);
        double[][] clean = new double[tokens][n];
        double[][] sigma = new double[tokens][n];
        double[][] noisy = new double[tokens][n];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < n; i++) {
                clean[t][i] = rng.nextGaussian();
                sigma[t][i] = 0.3 + 1.5 * rng.nextDouble();
                noisy[t][i] = clean[t][i] + rng.nextGaussian() * sigma[t][i];
            }
        }
        // the in/out decisions and the threshold ranks are discontinuous: keep every comparison far from a tie
        for (int t = 0; t < tokens; t++) {
            Assume.that(wellSeparated(clean[t], noisy[t], k, 1e-4));
        }
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = rng.nextGaussian();
        }
        SmoothLoad.Grads grads = SmoothLoad.backward(clean, noisy, sigma, k, rule, g);
        double h = 1e-6;
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < n; i++) {
                checkFd(clean, clean, noisy, sigma, k, rule, g, t, i, h, grads.clean()[t][i], "clean");
                checkFd(sigma, clean, noisy, sigma, k, rule, g, t, i, h, grads.sigma()[t][i], "sigma");
                checkFd(noisy, clean, noisy, sigma, k, rule, g, t, i, h, grads.noisy()[t][i], "noisy");
            }
        }
    }

    private static void checkFd(double[][] target, double[][] clean, double[][] noisy, double[][] sigma, int k, InRule rule,
                                double[] g, int t, int i, double h, double analytic, String what) {
        double keep = target[t][i];
        target[t][i] = keep + h;
        double up = weighted(SmoothLoad.load(clean, noisy, sigma, k, rule), g);
        target[t][i] = keep - h;
        double down = weighted(SmoothLoad.load(clean, noisy, sigma, k, rule), g);
        target[t][i] = keep;
        double fd = (up - down) / (2 * h);
        assertEquals(fd, analytic, 1e-6, "∂L/∂" + what + "[" + t + "][" + i + "]");
    }

    /** No two noisy logits, and no noise term and the (k+1)-th noisy logit, closer than gap. */
    private static boolean wellSeparated(double[] clean, double[] noisy, int k, double gap) {
        double[] sorted = noisy.clone();
        java.util.Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] - sorted[i - 1] < gap) {
                return false;
            }
        }
        double thIn = sorted[sorted.length - 1 - k];
        for (int i = 0; i < noisy.length; i++) {
            if (Math.abs(noisy[i] - clean[i] - thIn) < gap) {
                return false;
            }
        }
        return true;
    }

    private static double weighted(double[] load, double[] g) {
        double s = 0;
        for (int i = 0; i < load.length; i++) {
            s += g[i] * load[i];
        }
        return s;
    }

    @Test
    void taylorStepFromTheTableMatchesErfcAndTheDensity() {
        double[] pdf = new double[1];
        for (int i = 0; i <= 60_000; i++) {
            double z = Math.max(-3, Math.min(3, -3 + 6.0 * i / 60_000 + 3e-5 * Math.sin(i))); // on and between grid points
            double cdf = SmoothLoad.normalCdf(z, pdf, 0);
            // Commons Math's erfc is an independent oracle; against 40-digit mpmath both are within 4.1e-16 on [-3, 3]
            assertEquals(0.5 * org.apache.commons.math3.special.Erf.erfc(-z / Math.sqrt(2)), cdf, 8e-16, "Phi(" + z + ")");
            double want = SmoothLoad.normalPdf(z);
            assertEquals(want, pdf[0], 1e-15 * want, "phi(" + z + ")"); // a few ulp: exp itself is within 1
        }
        for (int i = 0; i <= 20_000; i++) { // 3 < |z| <= 8: the table's erfc rows, relative accuracy in the lower tail
            double z = (i % 2 == 0 ? 1 : -1) * (3 + 5.0 * (i / 2) / 10_000 + 1e-5 * Math.sin(i)), zc = Math.max(-8, Math.min(8, z));
            double cdf = SmoothLoad.normalCdf(zc, pdf, 0), want = 0.5 * org.apache.commons.math3.special.Erf.erfc(-zc / Math.sqrt(2));
            assertEquals(want, cdf, 8e-16 + 1e-14 * want, "Phi(" + zc + ")");
            assertEquals(SmoothLoad.normalPdf(zc), pdf[0], 1e-14 * SmoothLoad.normalPdf(zc), "phi(" + zc + ")");
        }
        assertEquals(SmoothLoad.normalPdf(8.5), pdfAt(8.5), 0, "tails: phi from exp");
    }

    private static double pdfAt(double z) {
        double[] p = new double[1];
        SmoothLoad.normalCdf(z, p, 0);
        return p[0];
    }

    @Test
    void normalCdfAgreesWithErfcAndPublishedValues() {
        for (int i = -6000; i <= 6000; i++) {
            double z = i / 1000.0, want = 0.5 * org.apache.commons.math3.special.Erf.erfc(-z / Math.sqrt(2));
            assertEquals(want, SmoothLoad.normalCdf(z), 4e-16 + 1e-14 * want, "Phi(" + z + ")");
        }
        assertEquals(0.5, SmoothLoad.normalCdf(0), 0);
        assertEquals(0.8413447460685429, SmoothLoad.normalCdf(1), 4e-16); // standard normal tables
        assertEquals(0.024997895148220435, SmoothLoad.normalCdf(-1.96), 4e-16);
        assertEquals(2.866515718791939e-7, SmoothLoad.normalCdf(-5), 1e-20);
    }

    @Test
    void float32FormAgreesWithErfcToItsStatedBound() {
        int n = 36_001;
        float[] z = new float[n], pdf = new float[n], cdf = new float[n];
        for (int i = 0; i < n; i++) z[i] = (i - 18_000) / 2000f; // [-9, 9]
        SmoothLoad.normalCdf(z, 0, pdf, 0, cdf, 0, n);
        double worstCdf = 0, worstPdf = 0;
        for (int i = 0; i < n; i++) {
            double want = 0.5 * org.apache.commons.math3.special.Erf.erfc(-z[i] / Math.sqrt(2)), dens = SmoothLoad.normalPdf(z[i]);
            worstCdf = Math.max(worstCdf, Math.abs(cdf[i] - want));
            // exp(−z²/2) in float32: z²/2 carries a relative rounding of ~1.2e-7, i.e. an absolute one of ~6e-8·z²
            worstPdf = Math.max(worstPdf, Math.abs(pdf[i] - dens) / dens / (1 + z[i] * z[i] / 2));
        }
        assertTrue(worstCdf < 1.5e-7, "Φ: A&S 26.2.17 gives |error| < 7.5e-8, plus float32's φ and rounding; worst " + worstCdf);
        assertTrue(worstPdf < 3e-7, "φ relative error over 1 + z²/2: " + worstPdf);
        assertEquals(0.5f, cdf[18_000], 0f); // z = 0
        float[] far = {-20f, 20f, Float.NaN}, fp = new float[3], fc = new float[3];
        SmoothLoad.normalCdf(far, 0, fp, 0, fc, 0, 3);
        assertEquals(0f, fc[0], 0f);
        assertEquals(1f, fc[1], 0f);
        assertTrue(Float.isNaN(fc[2]));
    }

    @Test
    void rejectsNonPositiveSigma() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SmoothLoad.load(new double[][] {{0, 1}}, new double[][] {{0, 1}}, new double[][] {{1, 0}}, 1, InRule.SHAZEER));
        assertTrue(e.getMessage().contains("sigma[0][1] = 0.0, expected > 0"), e.getMessage());
    }
}
