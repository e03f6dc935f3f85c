package io.moe4j.moe.gatemath;

import io.moe4j.tensor.cpu.Parallel;
import org.apache.commons.math3.special.Erf;

/**
 * Shazeer et al. (2017)'s smooth load estimator, the differentiable load of the noisy top-k gate
 * (METHOD.md §2.2). With noisy logits l = l_clean + n ⊙ σ, for token t:
 * th_in = the (k+1)-th largest noisy logit, th_out = the k-th largest, and for every expert i
 * P_t,i = Φ((l_clean − th_in) / σ) if i is "in", else Φ((l_clean − th_out) / σ); load_i = Σ_t P_t,i.
 * P is the probability that expert i stays in the top-k when only its own noise is resampled.
 *
 * <p>"In" is decided by {@link InRule}: moe4j's default is Shazeer's rule, which compares the full
 * noisy logit with th_in (METHOD.md §0.1); the reference repository compares only the noise term
 * n ⊙ σ, offered as {@link InRule#REPO_NOISE_ONLY}. Comparisons are strict (&gt;), as torch.gt.
 *
 * <p>When k ≥ N there is no (k+1)-th logit: every expert is always in, so P = 1 and the gradient is
 * zero (the reference would read past the row here).
 *
 * <p>Φ(z): Marsaglia's series near the centre, erfc(−z/√2)/2 via Apache Commons Math in the tails.
 */
public final class SmoothLoad {

    /** How an expert is judged to be currently in the top-k. */
    public enum InRule {
        /** noisy logit &gt; th_in (Shazeer et al. 2017; moe4j default). */
        SHAZEER,
        /** noise term (noisy − clean) &gt; th_in (llama-moe's TopKBalancedNoisyGate quirk). */
        REPO_NOISE_ONLY
    }

    /**
     * Partial derivatives of Σ_i g_i · load_i, holding the other two inputs fixed. The noisy logits
     * enter only through the two thresholds, so {@code noisy} is non-zero only at each token's k-th
     * and (k+1)-th experts. Since noisy = clean + n ⊙ σ, the caller chains it on: the total
     * gradient w.r.t. the clean logits is {@code clean + noisy} and w.r.t. σ is {@code sigma + noisy ⊙ n}
     * (elementwise), which is what an autograd graph does automatically when noisy is built from
     * clean and σ.
     *
     * @param clean [T][N]
     * @param sigma [T][N]
     * @param noisy [T][N]
     */
    public record Grads(double[][] clean, double[][] sigma, double[][] noisy) {
    }

    private static final double SQRT2 = Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    /** 1/(2i+1): the series' divisors as multipliers (|z| ≤ 3 converges well before i = 64). */
    private static final double[] INV_ODD = new double[64];
    /** Tokens per block: blocks run in parallel, and their partial loads are added in block order. */
    private static final int TOKEN_BLOCK = 128;

    static {
        for (int i = 0; i < INV_ODD.length; i++) INV_ODD[i] = 1.0 / (2 * i + 1);
    }

    private SmoothLoad() {
    }

    /**
     * Table of Φ and φ on z_j = −8 + j/64, j = 0..1024, for the Taylor steps of {@link #normalCdf(double, double[], int)}:
     * Φ_j from Marsaglia's series for |z_j| ≤ 3 and from Commons Math's erfc beyond (which keeps its relative accuracy
     * in the tails), φ_j from exp.
     */
    private static final int STEPS = 64;
    private static final double TABLE_Z = 8;
    private static final double[] CDF = new double[(int) (2 * TABLE_Z) * STEPS + 1], PDF = new double[CDF.length];

    static {
        for (int j = 0; j < CDF.length; j++) {
            double z = -TABLE_Z + (double) j / STEPS;
            CDF[j] = Math.abs(z) <= 3 ? seriesCdf(z) : 0.5 * Erf.erfc(-z / SQRT2);
            PDF[j] = normalPdf(z);
        }
    }

    /**
     * Standard normal CDF Φ(z). For |z| ≤ 8, a Taylor step from the nearest point of a 1/64 grid (see
     * {@link #normalCdf(double, double[], int)}); beyond that, Commons Math's erfc, which keeps its relative accuracy
     * in the far tails.
     */
    public static double normalCdf(double z) {
        return normalCdf(z, null, 0);
    }

    /**
     * Φ(z), also writing φ(z) to {@code pdf[at]} when {@code pdf} is not null, without calling exp or erfc for |z| ≤ 8.
     * With z_j the nearest grid point and d = z − z_j (|d| ≤ 1/128), φ's derivatives are φ⁽ⁿ⁾ = (−1)ⁿ·Heₙ·φ (Hermite
     * polynomials), so φ(z) = φ_j·Σ_{n≤7} (−1)ⁿ·Heₙ(z_j)·dⁿ/n! and Φ(z) = Φ_j + φ_j·Σ_{n=1..8} (−1)ⁿ⁻¹·Heₙ₋₁(z_j)·dⁿ/n!.
     * The first omitted terms are below 2e-19 of φ_j at |z| ≤ 3 and 4e-15 at |z| = 8. The grid's Φ_j are accurate to
     * 4e-16 (Marsaglia's series, J. Stat. Softw. 11(4), 2004, for |z| ≤ 3; erfc beyond). The smooth load evaluates Φ
     * and φ T·N times each: this is ~10x faster than the series, whose loop runs 20-40 terms, and ~10x faster than
     * Commons Math's erfc (37-40 against ~405 ns a call, one core), which the table's range spares the 3 < |z| ≤ 8
     * cases (5% of the evaluations in bench-moe's router).
     */
    public static double normalCdf(double z, double[] pdf, int at) {
        if (!(Math.abs(z) <= TABLE_Z)) {
            if (pdf != null) pdf[at] = normalPdf(z);
            return Double.isNaN(z) ? z : 0.5 * Erf.erfc(-z / SQRT2);
        }
        int j = (int) Math.round((z + TABLE_Z) * STEPS);
        double zj = -TABLE_Z + (double) j / STEPS, d = z - zj, pj = PDF[j];
        double h1 = zj, h2 = zj * h1 - 1, h3 = zj * h2 - 2 * h1, h4 = zj * h3 - 3 * h2, h5 = zj * h4 - 4 * h3, h6 = zj * h5 - 5 * h4;
        double h7 = zj * h6 - 6 * h5;
        if (pdf != null)
            pdf[at] = pj * (1 + d * (-h1 + d * (h2 / 2 + d * (-h3 / 6 + d * (h4 / 24 + d * (-h5 / 120 + d * (h6 / 720 + d * (-h7 / 5040))))))));
        return CDF[j] + pj * d * (1 + d * (-h1 / 2 + d * (h2 / 6 + d * (-h3 / 24 + d * (h4 / 120 + d * (-h5 / 720
                + d * (h6 / 5040 + d * (-h7 / 40320))))))));
    }

    private static final float INV_SQRT_2PI_F = (float) INV_SQRT_2PI;
    // Abramowitz & Stegun 26.2.17 (Hastings): Φ(z) = 1 − φ(z)·(b1·s + ... + b5·s⁵), s = 1/(1 + p·z), z ≥ 0, |error| < 7.5e-8
    private static final double AS_P = 0.2316419, AS_B1 = 0.319381530, AS_B2 = -0.356563782, AS_B3 = 1.781477937,
            AS_B4 = -1.821255978, AS_B5 = 1.330274429;

    /**
     * Float32 Φ and φ over {@code len} values: pdf[po + i] = φ(z[zo + i]) from one vectorised exp over the block,
     * and cdf[co + i] = Φ(z[zo + i]) by Abramowitz and Stegun 26.2.17 (absolute error below 7.5e-8, about float32's
     * spacing near 1). For the F32 router, whose other arithmetic is float32 too, as torch's float32 normal CDF is;
     * pdf and cdf may not overlap z.
     */
    public static void normalCdf(float[] z, int zo, float[] pdf, int po, float[] cdf, int co, int len) {
        for (int i = 0; i < len; i++) pdf[po + i] = -0.5f * z[zo + i] * z[zo + i];
        io.moe4j.tensor.cpu.FloatMath.exp(pdf, po, pdf, po, len);
        for (int i = 0; i < len; i++) { // the polynomial in double: its terms cancel, and in float it lost ~2e-7
            float v = z[zo + i], f = pdf[po + i] * INV_SQRT_2PI_F;
            double s = 1 / (1 + AS_P * Math.abs(v)), tail = f * s * (AS_B1 + s * (AS_B2 + s * (AS_B3 + s * (AS_B4 + s * AS_B5))));
            pdf[po + i] = f;
            cdf[co + i] = (float) (v >= 0 ? 1 - tail : tail);
        }
    }

    /** Marsaglia's series Φ(z) = 1/2 + φ(z)·(z + z³/3 + z⁵/(3·5) + ...), summed until it stops changing; |z| ≤ 3. */
    static double seriesCdf(double z) {
        double q = z * z, term = z, sum = z, prev = Double.NaN;
        for (int i = 1; sum != prev; i++) {
            prev = sum;
            term *= q * INV_ODD[i];
            sum += term;
        }
        return 0.5 + sum * normalPdf(z);
    }

    /** Standard normal density φ(z). */
    public static double normalPdf(double z) {
        return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    }

    /** Noise std σ = softplus(a) + ε from the noise network's output a (ε = gate_noise_epsilon = 0.01). */
    public static double noiseStd(double preActivation, double epsilon) {
        double a = preActivation;
        double softplus = a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a));
        return softplus + epsilon;
    }

    /** dσ/da = sigmoid(a). */
    public static double noiseStdGrad(double preActivation) {
        double a = preActivation;
        return a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a));
    }

    /**
     * load [N] = Σ_t P_t,i.
     *
     * @param clean [T][N] clean logits
     * @param noisy [T][N] noisy logits actually used for routing
     * @param sigma [T][N] noise std, &gt; 0
     * @param k     experts per token, 1 ≤ k ≤ N
     */
    public static double[] load(double[][] clean, double[][] noisy, double[][] sigma, int k, InRule rule) {
        int n = check(clean, noisy, sigma, k);
        int blocks = (clean.length + TOKEN_BLOCK - 1) / TOKEN_BLOCK;
        double[][] partial = new double[blocks][n];
        Parallel.forRange(blocks, 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++)
                for (int t = b * TOKEN_BLOCK; t < Math.min(clean.length, (b + 1) * TOKEN_BLOCK); t++) {
                    if (k >= n) {
                        for (int i = 0; i < n; i++) partial[b][i] += 1;
                        continue;
                    }
                    int[] top = TopK.indices(noisy[t], k + 1);
                    double thIn = noisy[t][top[k]];
                    double thOut = noisy[t][top[k - 1]];
                    for (int i = 0; i < n; i++) {
                        double th = isIn(clean[t][i], noisy[t][i], thIn, rule) ? thIn : thOut;
                        partial[b][i] += normalCdf((clean[t][i] - th) / sigma[t][i]);
                    }
                }
        });
        double[] load = new double[n];
        for (double[] p : partial) // block order: the same sum on any thread count
            for (int i = 0; i < n; i++) load[i] += p[i];
        return load;
    }

    /**
     * Gradient of Σ_i gradLoad_i · load_i. With z = (clean − th)/σ:
     * ∂P/∂clean = φ(z)/σ, ∂P/∂σ = −φ(z)·z/σ, ∂P/∂th = −φ(z)/σ (routed to the threshold's expert).
     */
    public static Grads backward(double[][] clean, double[][] noisy, double[][] sigma, int k, InRule rule,
                                 double[] gradLoad) {
        int n = check(clean, noisy, sigma, k);
        if (gradLoad == null || gradLoad.length != n) {
            throw new IllegalArgumentException("SmoothLoad.backward: gradLoad must have N=" + n + " entries");
        }
        int tokens = clean.length;
        double[][] dClean = new double[tokens][n];
        double[][] dSigma = new double[tokens][n];
        double[][] dNoisy = new double[tokens][n];
        if (k >= n) {
            return new Grads(dClean, dSigma, dNoisy);
        }
        Parallel.forRange(tokens, TOKEN_BLOCK, (t0, t1) -> {
            for (int t = t0; t < t1; t++) { // each token writes only its own rows
                int[] top = TopK.indices(noisy[t], k + 1);
                int inIdx = top[k];
                int outIdx = top[k - 1];
                for (int i = 0; i < n; i++) {
                    boolean in = isIn(clean[t][i], noisy[t][i], noisy[t][inIdx], rule);
                    int thIdx = in ? inIdx : outIdx;
                    double s = sigma[t][i];
                    double z = (clean[t][i] - noisy[t][thIdx]) / s;
                    double dp = gradLoad[i] * normalPdf(z) / s;
                    dClean[t][i] += dp;
                    dSigma[t][i] -= dp * z;
                    dNoisy[t][thIdx] -= dp;
                }
            }
        });
        return new Grads(dClean, dSigma, dNoisy);
    }

    private static boolean isIn(double clean, double noisy, double thIn, InRule rule) {
        return rule == InRule.SHAZEER ? noisy > thIn : (noisy - clean) > thIn;
    }

    private static int check(double[][] clean, double[][] noisy, double[][] sigma, int k) {
        if (clean == null || noisy == null || sigma == null) {
            throw new IllegalArgumentException("SmoothLoad: clean, noisy and sigma are required");
        }
        if (clean.length != noisy.length || clean.length != sigma.length) {
            throw new IllegalArgumentException("SmoothLoad: token counts differ: clean " + clean.length
                    + ", noisy " + noisy.length + ", sigma " + sigma.length);
        }
        if (clean.length == 0) {
            throw new IllegalArgumentException("SmoothLoad: expected at least one token (T ≥ 1)");
        }
        int n = clean[0].length;
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("SmoothLoad: k must be in [1, N=" + n + "], got " + k);
        }
        for (int t = 0; t < clean.length; t++) {
            if (clean[t].length != n || noisy[t].length != n || sigma[t].length != n) {
                throw new IllegalArgumentException("SmoothLoad: token " + t + " rows must all have N=" + n + " entries");
            }
            for (int i = 0; i < n; i++) {
                if (!(sigma[t][i] > 0)) {
                    throw new IllegalArgumentException("SmoothLoad: sigma[" + t + "][" + i + "] = " + sigma[t][i]
                            + ", expected > 0");
                }
            }
        }
        return n;
    }
}
