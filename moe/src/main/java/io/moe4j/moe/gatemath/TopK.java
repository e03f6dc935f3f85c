package io.moe4j.moe.gatemath;

/**
 * Top-k selection over gate logits (METHOD.md §2.2).
 *
 * <p>Returns indices in descending value order. <b>Ties: the lower index wins</b> (it is selected
 * first and placed first), so the result is a deterministic function of the values. PyTorch's
 * topk leaves tie order implementation-defined, so exact ties are the one place where moe4j may
 * pick a different expert than the reference; with continuous logits they have probability zero.
 * NaN logits are rejected: they have no place in an order.
 */
public final class TopK {

    private TopK() {
    }

    /**
     * @param x [N] values
     * @param k 1 ≤ k ≤ N
     * @return [k] indices of the k largest values, largest first
     */
    public static int[] indices(double[] x, int k) {
        checkK(x == null ? -1 : x.length, k);
        int[] buf = new int[k];
        indices(x, 0, x.length, k, buf, 0);
        return buf;
    }

    /**
     * The same selection over x[off, off+n), written to out[outOff, outOff+k) as indices relative to off, without
     * allocating (for per-token loops). 1 ≤ k ≤ n is the caller's to ensure.
     */
    public static void indices(double[] x, int off, int n, int k, int[] out, int outOff) {
        int count = 0;
        for (int i = 0; i < n; i++) {
            double v = x[off + i];
            if (Double.isNaN(v)) {
                throw new IllegalArgumentException("top-k: value at index " + i + " is NaN");
            }
            if (count == k && !(v > x[off + out[outOff + k - 1]])) {
                continue;   // not strictly larger than the current k-th: a tie keeps the lower index
            }
            int p = count < k ? count++ : k - 1;
            while (p > 0 && v > x[off + out[outOff + p - 1]]) {
                out[outOff + p] = out[outOff + p - 1];
                p--;
            }
            out[outOff + p] = i;
        }
    }

    /** Float variant of {@link #indices(double[], int)}, same tie rule. */
    public static int[] indices(float[] x, int k) {
        checkK(x == null ? -1 : x.length, k);
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];   // exact widening, so the order is the float order
        }
        return indices(d, k);
    }

    /** Row-wise top-k: logits [T][N] → indices [T][k]. */
    public static int[][] indices(double[][] x, int k) {
        int[][] out = new int[x.length][];
        for (int t = 0; t < x.length; t++) {
            out[t] = indices(x[t], k);
        }
        return out;
    }

    /** Row-wise float top-k: logits [T][N] → indices [T][k]. */
    public static int[][] indices(float[][] x, int k) {
        int[][] out = new int[x.length][];
        for (int t = 0; t < x.length; t++) {
            out[t] = indices(x[t], k);
        }
        return out;
    }

    private static void checkK(int n, int k) {
        if (n <= 0) {
            throw new IllegalArgumentException("top-k: expected at least one value, got " + (n < 0 ? "null" : "none"));
        }
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("top-k: k must be in [1, N=" + n + "], got " + k);
        }
    }
}
