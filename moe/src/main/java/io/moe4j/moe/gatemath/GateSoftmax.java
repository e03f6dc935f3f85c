package io.moe4j.moe.gatemath;

/**
 * Softmax over gate logits, in double and in float32 (METHOD.md §2.2: the LLaMA-MoE gate takes the
 * softmax of the k selected logits in float32 and casts back; Mixtral's router softmax is float32
 * too, §9.2). Both subtract the maximum first, so large logits cannot overflow.
 */
public final class GateSoftmax {

    private GateSoftmax() {
    }

    /** softmax(x) in double, [n] → [n]. */
    public static double[] softmax(double[] x) {
        checkNonEmpty(x == null ? 0 : x.length);
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double[] out = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.exp(x[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < x.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    /** softmax(x) with every intermediate rounded to float32, as torch.softmax(dtype=float32). */
    public static float[] softmaxF32(float[] x) {
        checkNonEmpty(x == null ? 0 : x.length);
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        float[] out = new float[x.length];
        float sum = 0f;
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) Math.exp(x[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < x.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    /** softmax over logits[selected], [N] × [k] → [k] (the LLaMA-MoE score of each chosen expert). */
    public static double[] topKSoftmax(double[] logits, int[] selected) {
        return softmax(gather(logits, selected));
    }

    /** float32 variant of {@link #topKSoftmax(double[], int[])}. */
    public static float[] topKSoftmaxF32(float[] logits, int[] selected) {
        float[] g = new float[selected.length];
        for (int j = 0; j < selected.length; j++) {
            g[j] = logits[checkIndex(selected[j], logits.length)];
        }
        return softmaxF32(g);
    }

    /**
     * Backward of s = softmax(z): given s and ∂L/∂s, returns ∂L/∂z = s ⊙ (g − Σ_j s_j g_j).
     * For the top-k softmax, z are the selected logits and the result scatters back to them.
     */
    public static double[] softmaxBackward(double[] s, double[] gradS) {
        if (s.length != gradS.length) {
            throw new IllegalArgumentException("softmaxBackward: s has " + s.length + " entries, gradS " + gradS.length);
        }
        double dot = 0;
        for (int i = 0; i < s.length; i++) {
            dot += s[i] * gradS[i];
        }
        double[] out = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i] * (gradS[i] - dot);
        }
        return out;
    }

    static double[] gather(double[] x, int[] idx) {
        double[] g = new double[idx.length];
        for (int j = 0; j < idx.length; j++) {
            g[j] = x[checkIndex(idx[j], x.length)];
        }
        return g;
    }

    private static int checkIndex(int i, int n) {
        if (i < 0 || i >= n) {
            throw new IllegalArgumentException("selected index " + i + " outside [0, " + n + ")");
        }
        return i;
    }

    private static void checkNonEmpty(int n) {
        if (n == 0) {
            throw new IllegalArgumentException("softmax: expected at least one logit");
        }
    }
}
