package io.moe4j.moe.split;

/**
 * Sparse Upcycling (METHOD.md §10): every expert is a full copy of the dense FFN, so each index set
 * is all of [0, I). Compute per token grows to k full FFNs; the total width becomes N·I.
 */
public final class UpcyclingSplit {

    private UpcyclingSplit() {
    }

    /**
     * @param numNeurons I, dense FFN width
     * @param numExperts N ≥ 1 copies
     */
    public static ExpertSplit split(int numNeurons, int numExperts) {
        if (numNeurons <= 0) {
            throw new IllegalArgumentException("numNeurons (I) must be > 0, got " + numNeurons);
        }
        if (numExperts <= 0) {
            throw new IllegalArgumentException("numExperts (N) must be > 0, got " + numExperts);
        }
        int[] all = new int[numNeurons];
        for (int i = 0; i < numNeurons; i++) {
            all[i] = i;
        }
        int[][] sets = new int[numExperts][];
        for (int e = 0; e < numExperts; e++) {
            sets[e] = all;   // ExpertSplit copies
        }
        return new ExpertSplit(numNeurons, sets);
    }
}
