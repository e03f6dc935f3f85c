package io.moe4j.moe.split;

import java.util.Random;

/**
 * Neuron-Independent Random split (METHOD.md §3.2), the method of every released LLaMA-MoE model.
 *
 * <p>The label list is [0, 1, …, N−1] repeated floor(I/N) times followed by the I mod N extra labels
 * 0, 1, …, (I mod N)−1, so the first experts get one extra neuron each (§0.1); the list is then
 * shuffled uniformly (Fisher–Yates). Unlike the unseeded Python original, the shuffle is seeded
 * (see {@code Seeds}: a scrambled seed into {@link java.util.Random}, whose generator the JDK
 * specification fixes), so a seed gives the same split on every JVM.
 */
public final class RandomSplit {

    private RandomSplit() {
    }

    /**
     * @param numNeurons I, dense FFN width
     * @param numExperts N, 1 ≤ N ≤ I
     * @param seed       shuffle seed
     */
    public static ExpertSplit split(int numNeurons, int numExperts, long seed) {
        return ExpertSplit.fromLabels(labels(numNeurons, numExperts, seed), numExperts);
    }

    /** The shuffled label list, [I], before it is turned into index sets. */
    public static int[] labels(int numNeurons, int numExperts, long seed) {
        int[] sizes = ExpertSplit.balancedSizes(numNeurons, numExperts);
        int[] labels = new int[numNeurons];
        int base = numNeurons / numExperts;
        int pos = 0;
        for (int rep = 0; rep < base; rep++) {
            for (int e = 0; e < numExperts; e++) {
                labels[pos++] = e;
            }
        }
        for (int e = 0; e < numExperts && pos < numNeurons; e++) {
            if (sizes[e] > base) {
                labels[pos++] = e;
            }
        }
        Random rng = Seeds.random(seed);
        for (int i = numNeurons - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = labels[i];
            labels[i] = labels[j];
            labels[j] = t;
        }
        return labels;
    }
}
