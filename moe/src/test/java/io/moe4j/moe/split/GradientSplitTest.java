package io.moe4j.moe.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class GradientSplitTest {

    // ---------------------------------------------------------------- hand-computed cases

    @Test
    void independentGreedyHandExample() {
        // order0: 0(.9) 1(.8) 3(.3) 2(.1); order1: 0(.95) 2(.7) 3(.4) 1(.2); m = 2
        // step1 .9 vs .95 → e1 takes 0; step2 .8 vs .7 → e0 takes 1; step3 .3 vs .7 → e1 takes 2 (full);
        // step4 e0 takes 3.
        float[][] v = {{0.9f, 0.8f, 0.1f, 0.3f}, {0.95f, 0.2f, 0.7f, 0.4f}};
        ExpertSplit s = GradientSplit.independent(v, 2);
        assertArrayEquals(new int[] {1, 3}, s.indices(0));
        assertArrayEquals(new int[] {0, 2}, s.indices(1));
    }

    @Test
    void independentTieGoesToHigherExpert() {
        // both experts' best is neuron 0 with 0.5: the ≥ comparison hands it to expert 1
        ExpertSplit s = GradientSplit.independent(new float[][] {{0.5f, 0.1f}, {0.5f, 0.2f}}, 1);
        assertArrayEquals(new int[] {1}, s.indices(0));
        assertArrayEquals(new int[] {0}, s.indices(1));
    }

    @Test
    void interHandExampleWithoutSharing() {
        // top-2: e0 {0,1}, e1 {1,2}, e2 {2,0}; counts 0:2 1:2 2:2 → pool takes the lowest two, [0, 1].
        // greedy over {2..7}: e2←2 (8), e2←7 (6, tie with e1 → higher expert), e1←6 (5, tie with e0 →
        // e1), e0←3 (5), e1←5 (4, tie → e1), e0←4.
        float[][] v = {
            {8, 7, 6, 5, 4, 3, 2, 1},
            {1, 8, 7, 2, 3, 4, 5, 6},
            {7, 1, 8, 2, 3, 4, 5, 6}};
        ResidualSplit r = GradientSplit.sharingInter(v, 1, 2, false);
        assertArrayEquals(new int[] {0, 1}, r.residual().indices(0));
        assertArrayEquals(new int[] {3, 4}, r.routed().indices(0));
        assertArrayEquals(new int[] {5, 6}, r.routed().indices(1));
        assertArrayEquals(new int[] {2, 7}, r.routed().indices(2));
        ResidualSplit shared = GradientSplit.sharingInter(v, 1, 2, true);
        assertArrayEquals(new int[] {2, 3}, shared.routed().indices(0));
        assertArrayEquals(new int[] {2, 7}, shared.routed().indices(1));
        assertArrayEquals(new int[] {2, 7}, shared.routed().indices(2));
    }

    @Test
    void interPoolNeedsSeveralRounds() {
        // round 1: top-2 e0 {0,1}, e1 {2,0}: only neuron 0 has count 2 → pool [0]
        // round 2 (0 removed): e0 {1,2}, e1 {2,3}: neuron 2 has count 2 → pool [0, 2]
        float[][] v = {{6, 5, 4, 3, 2, 1}, {5, 1, 6, 4, 3, 2}};
        ResidualSplit r = GradientSplit.sharingInter(v, 1, 2, true);
        assertArrayEquals(new int[] {0, 2}, r.residual().indices(0));
        assertArrayEquals(new int[] {1, 3}, r.routed().indices(0));
        assertArrayEquals(new int[] {3, 4}, r.routed().indices(1));
    }

    @Test
    void innerTakesTopM() {
        float[][] v = {{0.1f, 0.9f, 0.5f, 0.7f}, {0.8f, 0.2f, 0.6f, 0.4f}};
        ExpertSplit s = GradientSplit.sharingInner(v, new int[] {2, 3});
        assertArrayEquals(new int[] {1, 3}, s.indices(0));
        assertArrayEquals(new int[] {0, 2, 3}, s.indices(1));
    }

    @Test
    void rejectsBadSizes() {
        float[][] v = {{1, 2, 3}, {3, 2, 1}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GradientSplit.independent(v, 2));
        assertTrue(e.getMessage().contains("must equal I 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GradientSplit.sharingInner(v, new int[] {1, 4}));
        assertTrue(e.getMessage().contains("sizes[1] = 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GradientSplit.sharingInner(new float[][] {{1, 2}, {1}}, 1));
        assertTrue(e.getMessage().contains("scores[1]: expected 2"), e.getMessage());
    }

    // ---------------------------------------------------------------- properties

    @Property(tries = 200)
    void independentPartitionsWithRequestedSizes(@ForAll @IntRange(min = 1, max = 8) int experts,
                                                 @ForAll @IntRange(min = 1, max = 12) int m,
                                                 @ForAll boolean ties, @ForAll long seed) {
        float[][] v = scores(new Random(seed), experts, experts * m, ties);
        ExpertSplit s = GradientSplit.independent(v, m);
        for (int c : s.coverageCounts()) {
            assertEquals(1, c, "every neuron exactly once");
        }
        for (int e = 0; e < experts; e++) {
            assertEquals(m, s.size(e));
        }
    }

    @Property(tries = 200)
    void innerRespectsSizesAndRanking(@ForAll @IntRange(min = 1, max = 6) int experts,
                                      @ForAll @IntRange(min = 1, max = 40) int ffn,
                                      @ForAll boolean ties, @ForAll long seed) {
        Random rng = new Random(seed);
        float[][] v = scores(rng, experts, ffn, ties);
        int[] sizes = new int[experts];
        for (int e = 0; e < experts; e++) {
            sizes[e] = 1 + rng.nextInt(ffn);
        }
        ExpertSplit s = GradientSplit.sharingInner(v, sizes);
        assertArrayEquals(sizes, s.sizeExperts());
        int[] cover = s.coverageCounts();
        for (int e = 0; e < experts; e++) {
            boolean[] in = new boolean[ffn];
            float minIn = Float.POSITIVE_INFINITY;
            for (int i : s.indices(e)) {
                in[i] = true;
                minIn = Math.min(minIn, v[e][i]);
            }
            for (int i = 0; i < ffn; i++) {
                if (!in[i]) {
                    assertTrue(v[e][i] <= minIn, "expert " + e + " skipped neuron " + i + " with a higher score");
                }
            }
        }
        // a neuron left uncovered was outranked by every expert's selection; with m = I all are covered
        if (java.util.Arrays.stream(sizes).anyMatch(m -> m == ffn)) {
            for (int c : cover) {
                assertTrue(c >= 1, "an expert of size I covers every neuron");
            }
        }
    }

    @Property(tries = 200)
    void interCoversEverythingWithoutSharingAndKeepsPoolDisjoint(@ForAll @IntRange(min = 1, max = 6) int experts,
                                                                 @ForAll @IntRange(min = 1, max = 3) int residual,
                                                                 @ForAll @IntRange(min = 1, max = 8) int m,
                                                                 @ForAll boolean share, @ForAll boolean ties,
                                                                 @ForAll long seed) {
        int ffn = m * (experts + residual);
        float[][] v = scores(new Random(seed), experts, ffn, ties);
        ResidualSplit r = GradientSplit.sharingInter(v, residual, m, share);
        assertEquals(residual, r.residual().numExperts());
        assertEquals(experts, r.routed().numExperts());
        for (int e = 0; e < residual; e++) {
            assertEquals(m, r.residual().size(e));
        }
        for (int e = 0; e < experts; e++) {
            assertEquals(m, r.routed().size(e));
        }
        int[] res = r.residual().coverageCounts();
        int[] routed = r.routed().coverageCounts();
        for (int i = 0; i < ffn; i++) {
            assertTrue(res[i] <= 1, "residual experts are disjoint chunks of the pool");
            assertTrue(res[i] == 0 || routed[i] == 0, "pooled neuron " + i + " must not be routed");
            if (!share) {
                assertEquals(1, res[i] + routed[i], "without sharing every neuron is used exactly once");
            }
        }
    }

    private static float[][] scores(Random rng, int experts, int ffn, boolean ties) {
        float[][] v = new float[experts][ffn];
        for (float[] row : v) {
            for (int i = 0; i < ffn; i++) {
                row[i] = ties ? rng.nextInt(3) : rng.nextFloat();
            }
        }
        return v;
    }
}
