package io.moe4j.moe.gatemath;

/**
 * The LLaMA-MoE load-balancing statistics and loss (METHOD.md §2.2), with the gradients the
 * autograd layer needs, plus the Switch/Mixtral-style auxiliary loss (§2.5, §9.2).
 *
 * <p>balance = w_b · (cv²(importance) + cv²(load)) per layer, w_b = 0.01; the model sums it over
 * layers. cv²(v) = var(v) / (mean(v)² + 1e-10) with the <b>unbiased</b> (n−1) variance, as
 * torch.var() computes it, and cv² = 0 for a single expert.
 */
public final class BalanceLoss {

    /** ε in the cv² denominator (reference cv_squared). */
    public static final double CV_EPS = 1e-10;
    /** gate_balance_loss_weight of the released models. */
    public static final double DEFAULT_WEIGHT = 0.01;

    private BalanceLoss() {
    }

    // ------------------------------------------------------------------------------------------
    // cv² forward / backward
    // ------------------------------------------------------------------------------------------

    /** cv²(x) = var_unbiased(x) / (mean(x)² + 1e-10); 0 when x has one entry. */
    public static double cv2(double[] x) {
        int n = checkNonEmpty(x, "cv2");
        if (n == 1) {
            return 0;
        }
        double mean = mean(x);
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= n - 1;
        return var / (mean * mean + CV_EPS);
    }

    /**
     * ∂cv²/∂x. With m = mean, v = Σ(x−m)²/(n−1), D = m² + ε:
     * ∂cv²/∂x_i = 2(x_i − m) / ((n−1) D) − v · 2m / (n D²).
     */
    public static double[] cv2Grad(double[] x) {
        int n = checkNonEmpty(x, "cv2Grad");
        double[] g = new double[n];
        if (n == 1) {
            return g;
        }
        double mean = mean(x);
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= n - 1;
        double denom = mean * mean + CV_EPS;
        double common = var * 2 * mean / (n * denom * denom);
        for (int i = 0; i < n; i++) {
            g[i] = 2 * (x[i] - mean) / ((n - 1) * denom) - common;
        }
        return g;
    }

    // ------------------------------------------------------------------------------------------
    // importance, load, loss
    // ------------------------------------------------------------------------------------------

    /** importance_i = Σ_t (score of expert i for token t if selected, else 0); indices/scores [T][k] → [N]. */
    public static double[] importance(int[][] indices, double[][] scores, int numExperts) {
        double[] imp = new double[numExperts];
        for (int t = 0; t < indices.length; t++) {
            for (int j = 0; j < indices[t].length; j++) {
                imp[checkExpert(indices[t][j], numExperts)] += scores[t][j];
            }
        }
        return imp;
    }

    /** Backward of {@link #importance}: ∂L/∂scores[t][j] = ∂L/∂importance[indices[t][j]], [T][k]. */
    public static double[][] importanceBackward(int[][] indices, double[] gradImportance) {
        double[][] g = new double[indices.length][];
        for (int t = 0; t < indices.length; t++) {
            g[t] = new double[indices[t].length];
            for (int j = 0; j < indices[t].length; j++) {
                g[t][j] = gradImportance[checkExpert(indices[t][j], gradImportance.length)];
            }
        }
        return g;
    }

    /** Eval-mode (or noise-free) load: how many tokens selected each expert, [N]; not differentiable. */
    public static double[] countLoad(int[][] indices, int numExperts) {
        double[] load = new double[numExperts];
        for (int[] row : indices) {
            for (int e : row) {
                load[checkExpert(e, numExperts)]++;
            }
        }
        return load;
    }

    /** w_b · (cv²(importance) + cv²(load)). */
    public static double balanceLoss(double[] importance, double[] load, double weight) {
        return weight * (cv2(importance) + cv2(load));
    }

    // ------------------------------------------------------------------------------------------
    // Switch / Mixtral auxiliary loss
    // ------------------------------------------------------------------------------------------

    /**
     * coef · N · Σ_i P_i · f_i with P_i = mean_t p[t][i] (router probabilities) and
     * f_i = (tokens selecting i) / T. For top-1 this is the Switch loss (reference coef 0.01 in
     * METHOD.md's reading, 0.1 as the class default); for top-k it is Mixtral's (Σ f = k).
     *
     * @param probs    [T][N] router probabilities (softmax of the clean logits)
     * @param selected [T][k] chosen experts
     */
    public static double switchAuxLoss(double[][] probs, int[][] selected, double coef) {
        int tokens = probs.length;
        if (tokens == 0) {
            return 0;
        }
        int n = probs[0].length;
        double[] f = countLoad(selected, n);
        double total = 0;
        for (double[] row : probs) {
            for (int i = 0; i < n; i++) {
                total += row[i] * f[i];
            }
        }
        return coef * n * total / ((double) tokens * tokens);
    }

    /** ∂/∂probs of {@link #switchAuxLoss}: coef · N · f_i / T for every token, [T][N] (f is constant). */
    public static double[][] switchAuxGrad(double[][] probs, int[][] selected, double coef) {
        int tokens = probs.length;
        double[][] g = new double[tokens][];
        if (tokens == 0) {
            return g;
        }
        int n = probs[0].length;
        double[] f = countLoad(selected, n);
        for (int t = 0; t < tokens; t++) {
            g[t] = new double[n];
            for (int i = 0; i < n; i++) {
                g[t][i] = coef * n * f[i] / ((double) tokens * tokens);
            }
        }
        return g;
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    private static int checkNonEmpty(double[] x, String what) {
        if (x == null || x.length == 0) {
            throw new IllegalArgumentException(what + ": expected at least one value");
        }
        return x.length;
    }

    private static int checkExpert(int e, int n) {
        if (e < 0 || e >= n) {
            throw new IllegalArgumentException("expert index " + e + " outside [0, " + n + ")");
        }
        return e;
    }
}
