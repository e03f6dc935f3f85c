package io.moe4j.moe.split;

/**
 * Converts a dense SwiGLU FFN into expert weights by slicing (METHOD.md §3.1): expert e takes rows
 * S_e of gate_proj and up_proj and columns S_e of down_proj, always with the same index set, in the
 * set's (increasing) order. Works for overlapping sets (sharing, upcycling) too: each expert gets its
 * own copy of its neurons.
 *
 * <p>For a partition, Σ_e E_e(x) equals the dense FFN(x) exactly in real arithmetic, which the tests
 * use as the correctness oracle.
 */
public final class Slicer {

    private Slicer() {
    }

    /**
     * @param gateProj [I, C] row-major dense gate_proj weight
     * @param upProj   [I, C] row-major dense up_proj weight
     * @param downProj [C, I] row-major dense down_proj weight
     * @param hidden   C, model width
     * @param split    index sets over I = split.numNeurons()
     */
    public static ExpertWeights slice(float[] gateProj, float[] upProj, float[] downProj, int hidden,
                                      ExpertSplit split) {
        int ffn = split.numNeurons();
        if (hidden <= 0) {
            throw new IllegalArgumentException("hidden (C) must be > 0, got " + hidden);
        }
        long want = (long) ffn * hidden;
        checkLength("gate_proj", gateProj, want, "[I=" + ffn + ", C=" + hidden + "]");
        checkLength("up_proj", upProj, want, "[I=" + ffn + ", C=" + hidden + "]");
        checkLength("down_proj", downProj, want, "[C=" + hidden + ", I=" + ffn + "]");
        int n = split.numExperts();
        float[][] gate = new float[n][];
        float[][] up = new float[n][];
        float[][] down = new float[n][];
        for (int e = 0; e < n; e++) {
            int[] idx = split.indices(e);
            gate[e] = takeRows(gateProj, idx, hidden);
            up[e] = takeRows(upProj, idx, hidden);
            down[e] = takeColumns(downProj, idx, hidden, ffn);
        }
        return new ExpertWeights(hidden, split.sizeExperts(), gate, up, down);
    }

    /** rows idx of a [*, C] matrix, as [m, C]. */
    private static float[] takeRows(float[] w, int[] idx, int hidden) {
        float[] out = new float[idx.length * hidden];
        for (int r = 0; r < idx.length; r++) {
            System.arraycopy(w, idx[r] * hidden, out, r * hidden, hidden);
        }
        return out;
    }

    /** columns idx of a [C, I] matrix, as [C, m]. */
    private static float[] takeColumns(float[] w, int[] idx, int hidden, int ffn) {
        int m = idx.length;
        float[] out = new float[hidden * m];
        for (int c = 0; c < hidden; c++) {
            int src = c * ffn;
            int dst = c * m;
            for (int j = 0; j < m; j++) {
                out[dst + j] = w[src + idx[j]];
            }
        }
        return out;
    }

    private static void checkLength(String name, float[] w, long want, String shape) {
        if (w == null) {
            throw new IllegalArgumentException(name + ": array is null, expected " + shape);
        }
        if (w.length != want) {
            throw new IllegalArgumentException(name + ": expected " + want + " floats for " + shape
                    + ", got " + w.length);
        }
    }
}
