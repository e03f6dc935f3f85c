package io.moe4j.moe.gatemath;

/**
 * The three routing rules as pure functions of the logits (METHOD.md §2.2, §2.5, §9.2).
 * <ul>
 *   <li>{@link #topKSoftmax}: LLaMA-MoE's TopKBalancedNoisyGate: top-k of the (noisy) logits, then a
 *       softmax over the k selected logits only.</li>
 *   <li>{@link #mixtral}: softmax over all N, top-k of the probabilities, renormalise. Same weights
 *       as topKSoftmax in real arithmetic (softmax is monotone), different rounding.</li>
 *   <li>{@link #switchTop1}: SwitchBalancedGate: argmax of logits + Gumbel noise, weighted by the
 *       raw noisy logit (a reference quirk, §2.5).</li>
 * </ul>
 * Ties follow {@link TopK}: the lower expert index wins.
 */
public final class GateRouting {

    private GateRouting() {
    }

    /** LLaMA-MoE routing in double: logits [T][N] → top-k indices and softmax over them. */
    public static Routing topKSoftmax(double[][] logits, int k) {
        int[][] idx = new int[logits.length][];
        double[][] scores = new double[logits.length][];
        for (int t = 0; t < logits.length; t++) {
            idx[t] = TopK.indices(logits[t], k);
            scores[t] = GateSoftmax.topKSoftmax(logits[t], idx[t]);
        }
        return new Routing(idx, scores);
    }

    /** LLaMA-MoE routing with the softmax computed in float32, as the HF modeling code does. */
    public static Routing topKSoftmaxF32(float[][] logits, int k) {
        int[][] idx = new int[logits.length][];
        double[][] scores = new double[logits.length][];
        for (int t = 0; t < logits.length; t++) {
            idx[t] = TopK.indices(logits[t], k);
            scores[t] = widen(GateSoftmax.topKSoftmaxF32(logits[t], idx[t]));
        }
        return new Routing(idx, scores);
    }

    /** Mixtral routing in float32: p = softmax(l) over all N, top-k of p, p / Σ_selected p. */
    public static Routing mixtral(float[][] logits, int k) {
        int[][] idx = new int[logits.length][];
        double[][] scores = new double[logits.length][];
        for (int t = 0; t < logits.length; t++) {
            float[] p = GateSoftmax.softmaxF32(logits[t]);
            idx[t] = TopK.indices(p, k);
            float sum = 0f;
            for (int j : idx[t]) {
                sum += p[j];
            }
            scores[t] = new double[k];
            for (int j = 0; j < k; j++) {
                scores[t][j] = p[idx[t][j]] / sum;
            }
        }
        return new Routing(idx, scores);
    }

    /** Mixtral routing in double. */
    public static Routing mixtral(double[][] logits, int k) {
        int[][] idx = new int[logits.length][];
        double[][] scores = new double[logits.length][];
        for (int t = 0; t < logits.length; t++) {
            double[] p = GateSoftmax.softmax(logits[t]);
            idx[t] = TopK.indices(p, k);
            double sum = 0;
            for (int j : idx[t]) {
                sum += p[j];
            }
            scores[t] = new double[k];
            for (int j = 0; j < k; j++) {
                scores[t][j] = p[idx[t][j]] / sum;
            }
        }
        return new Routing(idx, scores);
    }

    /**
     * Switch (top-1) routing. The chosen expert is argmax(l + g) with Gumbel noise
     * g = −ln(−ln U); its weight is that noisy logit itself, not a probability (reference quirk,
     * also applied in eval mode there). Pass {@code uniforms = null} for no noise.
     *
     * @param logits   [T][N] clean logits
     * @param uniforms [T][N] draws U ∈ (0, 1), or null
     * @return indices [T][1] and weights [T][1] = the noisy logit of the chosen expert
     */
    public static Routing switchTop1(double[][] logits, double[][] uniforms) {
        int[][] idx = new int[logits.length][];
        double[][] scores = new double[logits.length][];
        for (int t = 0; t < logits.length; t++) {
            double[] noisy = logits[t].clone();
            if (uniforms != null) {
                if (uniforms[t].length != noisy.length) {
                    throw new IllegalArgumentException("switchTop1: uniforms[" + t + "] has " + uniforms[t].length
                            + " entries, expected N=" + noisy.length);
                }
                for (int i = 0; i < noisy.length; i++) {
                    noisy[i] += gumbel(uniforms[t][i]);
                }
            }
            idx[t] = TopK.indices(noisy, 1);
            scores[t] = new double[] {noisy[idx[t][0]]};
        }
        return new Routing(idx, scores);
    }

    /** Standard Gumbel sample −ln(−ln U) from a uniform draw U ∈ (0, 1). */
    public static double gumbel(double u) {
        if (!(u > 0 && u < 1)) {
            throw new IllegalArgumentException("gumbel: uniform draw must be in (0, 1), got " + u);
        }
        return -Math.log(-Math.log(u));
    }

    /** Switch capacity floor(capacityFactor · T / N) (reference: capacity factor 1.25). */
    public static int switchCapacity(int tokens, int numExperts, double capacityFactor) {
        if (tokens < 0 || numExperts < 1 || !(capacityFactor > 0)) {
            throw new IllegalArgumentException("switchCapacity: need T ≥ 0, N ≥ 1, factor > 0; got T=" + tokens
                    + ", N=" + numExperts + ", factor=" + capacityFactor);
        }
        return (int) Math.floor(capacityFactor * tokens / numExperts);
    }

    private static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
