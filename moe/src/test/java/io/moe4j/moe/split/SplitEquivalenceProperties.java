package io.moe4j.moe.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * METHOD.md §0.1 / §12.1: for every neuron-independent split, the index sets partition [0, I),
 * sizes follow the remainder rule, and Σ_e E_e(x) equals the dense SwiGLU FFN(x).
 */
class SplitEquivalenceProperties {

    @Property(tries = 200)
    void randomSplitPartitionsAndSumsToDense(@ForAll @IntRange(min = 1, max = 90) int ffn,
                                            @ForAll @IntRange(min = 1, max = 90) int experts,
                                            @ForAll @IntRange(min = 1, max = 9) int hidden,
                                            @ForAll long seed) {
        int n = 1 + (experts - 1) % ffn;
        ExpertSplit split = RandomSplit.split(ffn, n, seed);
        checkPartitionAndEquivalence(split, ffn, n, hidden, seed);
    }

    @Property(tries = 60)
    void clusteringSplitPartitionsAndSumsToDense(@ForAll @IntRange(min = 1, max = 60) int ffn,
                                                @ForAll @IntRange(min = 1, max = 60) int experts,
                                                @ForAll @IntRange(min = 1, max = 8) int hidden,
                                                @ForAll long seed) {
        int n = 1 + (experts - 1) % ffn;
        float[] up = Ffn.randomWeights(new Random(seed ^ 0x5EED), ffn * hidden);
        ClusteringSplit.Options opts = new ClusteringSplit.Options(50, 2, 1e-4, seed, ClusteringSplit.Metric.EUCLIDEAN);
        ExpertSplit split = ClusteringSplit.run(up, ffn, hidden, n, opts).split();
        checkPartitionAndEquivalence(split, ffn, n, hidden, seed);
    }

    private static void checkPartitionAndEquivalence(ExpertSplit split, int ffn, int n, int hidden, long seed) {
        assertEquals(n, split.numExperts());
        int[] seen = new int[ffn];
        for (int e = 0; e < n; e++) {
            for (int i : split.indices(e)) {
                seen[i]++;
            }
        }
        for (int i = 0; i < ffn; i++) {
            assertEquals(1, seen[i], "neuron " + i + " must be in exactly one expert");
        }
        // remainder rule, written out independently of ExpertSplit.balancedSizes
        for (int e = 0; e < n; e++) {
            int want = ffn / n + (e < ffn % n ? 1 : 0);
            assertEquals(want, split.size(e), "size of expert " + e + " for I=" + ffn + ", N=" + n);
        }
        assertTrue(split.isPartition());

        Random rng = new Random(seed);
        float[] gate = Ffn.randomWeights(rng, ffn * hidden);
        float[] up = Ffn.randomWeights(rng, ffn * hidden);
        float[] down = Ffn.randomWeights(rng, hidden * ffn);
        ExpertWeights w = Slicer.slice(gate, up, down, hidden, split);
        for (int trial = 0; trial < 3; trial++) {
            double[] x = Ffn.randomVector(rng, hidden);
            double[] dense = Ffn.dense(gate, up, down, ffn, hidden, x);
            double[] moe = Ffn.sumOfExperts(w, x);
            // both sides compute the same h_i; only the order of the I-term sums differs, so the
            // difference is bounded by I · 2⁻⁵² · Σ_i |down_ci h_i|
            double scale = Ffn.absSumScale(gate, up, down, ffn, hidden, x);
            assertArrayEquals(dense, moe, 1e-15 * ffn * (1 + scale));
        }
    }
}
