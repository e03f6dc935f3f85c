package io.moe4j.moe.split;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Importance-driven splits (METHOD.md §3.5–§3.7). Input: per data cluster j a score vector v_j over
 * the I neurons, float[E][I] (E = number of routed experts), where larger means more important
 * (criterion "max"); the lead computes v_j as |h ⊙ ∂L/∂h| at the down_proj input, averaged over
 * cluster j's tokens (§3.4).
 *
 * <p>Every expert ranks the neurons by its own v_j in descending order; equal scores rank the lower
 * neuron index first (the reference uses torch.sort, whose order for ties is unspecified).
 * <ul>
 *   <li>{@link #independent}: §3.5 greedy partition (not in the paper).</li>
 *   <li>{@link #sharingInner}: §3.6, expert j = top-m_j of v_j; overlaps allowed, and neurons that
 *       are in no expert's top-m are left out (the method does not promise coverage).</li>
 *   <li>{@link #sharingInter}: §3.7 residual MoE: the most shared neurons form R always-on experts.</li>
 * </ul>
 */
public final class GradientSplit {

    private GradientSplit() {
    }

    // ------------------------------------------------------------------------------------------
    // §3.5 neuron-independent greedy
    // ------------------------------------------------------------------------------------------

    /** §3.5 with every expert of size I/N (N must divide I, as in the reference). */
    public static ExpertSplit independent(float[][] scores, int expertSize) {
        int ffn = checkScores(scores);
        if ((long) expertSize * scores.length != ffn) {
            throw new IllegalArgumentException("independent split: expertSize " + expertSize + " × E "
                    + scores.length + " must equal I " + ffn);
        }
        int[] sizes = new int[scores.length];
        Arrays.fill(sizes, expertSize);
        return independent(scores, sizes);
    }

    /**
     * §3.5: repeatedly take, among experts that are not full, each expert's best unassigned neuron,
     * and assign the pair with the largest score; equal scores go to the <b>higher</b> expert index
     * (the reference compares with ≥ while scanning experts in order).
     *
     * @param scores [E][I] importance per expert
     * @param sizes  [E] expert sizes, Σ = I, so the result partitions [0, I)
     */
    public static ExpertSplit independent(float[][] scores, int[] sizes) {
        int ffn = checkScores(scores);
        checkSizes(sizes, scores.length, ffn);
        if (Arrays.stream(sizes).asLongStream().sum() != ffn) {
            throw new IllegalArgumentException("independent split: sizes must sum to I=" + ffn + ", got "
                    + Arrays.stream(sizes).asLongStream().sum());
        }
        int[][] order = rankAll(scores);
        int[][] sets = greedy(scores, order, new boolean[ffn], sizes);
        return new ExpertSplit(ffn, sets);
    }

    /** The §3.5 loop over the neurons not marked in {@code taken} (which it updates). */
    private static int[][] greedy(float[][] scores, int[][] order, boolean[] taken, int[] sizes) {
        int experts = sizes.length;
        int ffn = taken.length;
        int[] next = new int[experts];
        int[][] sets = new int[experts][];
        int[] count = new int[experts];
        long total = 0;
        for (int e = 0; e < experts; e++) {
            sets[e] = new int[sizes[e]];
            total += sizes[e];
        }
        for (long step = 0; step < total; step++) {
            int bestExpert = -1;
            float bestScore = Float.NEGATIVE_INFINITY;
            for (int e = 0; e < experts; e++) {
                while (next[e] < ffn && taken[order[e][next[e]]]) {
                    next[e]++;
                }
                if (count[e] == sizes[e] || next[e] == ffn) {
                    continue;
                }
                float s = scores[e][order[e][next[e]]];
                if (s >= bestScore) {
                    bestScore = s;
                    bestExpert = e;
                }
            }
            if (bestExpert < 0) {
                throw new IllegalStateException("independent split: ran out of neurons after " + step + " of " + total);
            }
            int neuron = order[bestExpert][next[bestExpert]++];
            taken[neuron] = true;
            sets[bestExpert][count[bestExpert]++] = neuron;
        }
        return sets;
    }

    // ------------------------------------------------------------------------------------------
    // §3.6 Neuron-Sharing Inner
    // ------------------------------------------------------------------------------------------

    /** §3.6 with one size m for every expert. */
    public static ExpertSplit sharingInner(float[][] scores, int expertSize) {
        int[] sizes = new int[checkScoresCount(scores)];
        Arrays.fill(sizes, expertSize);
        return sharingInner(scores, sizes);
    }

    /**
     * §3.6: expert j = the top-m_j neurons by v_j. Experts may overlap and Σ m_j may exceed I.
     *
     * @param scores [E][I]
     * @param sizes  [E], each in [1, I]
     */
    public static ExpertSplit sharingInner(float[][] scores, int[] sizes) {
        int ffn = checkScores(scores);
        checkSizes(sizes, scores.length, ffn);
        int[][] order = rankAll(scores);
        int[][] sets = new int[scores.length][];
        for (int e = 0; e < scores.length; e++) {
            sets[e] = Arrays.copyOf(order[e], sizes[e]);
        }
        return new ExpertSplit(ffn, sets);
    }

    // ------------------------------------------------------------------------------------------
    // §3.7 Neuron-Sharing Inter (residual MoE)
    // ------------------------------------------------------------------------------------------

    /**
     * §3.7. Builds a residual pool of R·m neurons: count, for every neuron, how many routed experts
     * have it in their current top-m; move the neurons with the highest count into the pool (lower
     * neuron index first when the pool would overflow, as torch.nonzero orders them), drop them
     * from every ranking and repeat. The pool, in insertion order, is cut into R experts of m.
     * Routed experts are then the top-m of the pool-free rankings ({@code shareNeurons}, overlap
     * allowed) or the §3.5 greedy over the remaining neurons (requires m·(E+R) = I, a partition).
     *
     * @param scores       [E][I], E = number of routed experts
     * @param numResidual  R ≥ 1
     * @param expertSize   m, the size of every routed and residual expert
     */
    public static ResidualSplit sharingInter(float[][] scores, int numResidual, int expertSize,
                                             boolean shareNeurons) {
        int ffn = checkScores(scores);
        int experts = scores.length;
        if (numResidual < 1) {
            throw new IllegalArgumentException("sharingInter: numResidual (R) must be ≥ 1, got " + numResidual);
        }
        if (expertSize < 1 || (long) expertSize * numResidual > ffn) {
            throw new IllegalArgumentException("sharingInter: expertSize m=" + expertSize + " needs 1 ≤ m and R·m ≤ I="
                    + ffn + " (R=" + numResidual + ")");
        }
        if (shareNeurons && (long) expertSize * (numResidual + 1) > ffn) {
            throw new IllegalArgumentException("sharingInter with sharing: (R+1)·m = " + (numResidual + 1) + "·"
                    + expertSize + " exceeds I=" + ffn + ", so routed experts could not get m neurons");
        }
        if (!shareNeurons && (long) expertSize * (experts + numResidual) != ffn) {
            throw new IllegalArgumentException("sharingInter without sharing: m·(E+R) = " + expertSize + "·"
                    + (experts + numResidual) + " must equal I=" + ffn);
        }
        int[][] order = rankAll(scores);
        boolean[] inPool = new boolean[ffn];
        int[] pool = residualPool(order, inPool, numResidual * expertSize, expertSize);
        int[][] residual = new int[numResidual][];
        for (int r = 0; r < numResidual; r++) {
            residual[r] = Arrays.copyOfRange(pool, r * expertSize, (r + 1) * expertSize);
        }
        int[][] routed;
        if (shareNeurons) {
            routed = new int[experts][];
            for (int e = 0; e < experts; e++) {
                routed[e] = firstFree(order[e], inPool, expertSize);
            }
        } else {
            int[] sizes = new int[experts];
            Arrays.fill(sizes, expertSize);
            routed = greedy(scores, order, inPool.clone(), sizes);
        }
        return new ResidualSplit(new ExpertSplit(ffn, routed), new ExpertSplit(ffn, residual));
    }

    /** The §3.7 pool loop; marks pooled neurons in {@code inPool} and returns them in insertion order. */
    private static int[] residualPool(int[][] order, boolean[] inPool, int capacity, int topM) {
        int ffn = inPool.length;
        List<Integer> pool = new ArrayList<>(capacity);
        int[] count = new int[ffn];
        while (pool.size() < capacity) {
            Arrays.fill(count, 0);
            int max = 0;
            for (int[] ranking : order) {
                for (int neuron : firstFree(ranking, inPool, topM)) {
                    max = Math.max(max, ++count[neuron]);
                }
            }
            if (max == 0) {
                throw new IllegalStateException("sharingInter: no neuron left for the residual pool");
            }
            for (int i = 0; i < ffn && pool.size() < capacity; i++) {
                if (count[i] == max) {
                    pool.add(i);
                    inPool[i] = true;
                }
            }
        }
        return pool.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The first (at most) m entries of a ranking that are not excluded. */
    private static int[] firstFree(int[] ranking, boolean[] excluded, int m) {
        int[] out = new int[m];
        int n = 0;
        for (int i = 0; i < ranking.length && n < m; i++) {
            if (!excluded[ranking[i]]) {
                out[n++] = ranking[i];
            }
        }
        return n == m ? out : Arrays.copyOf(out, n);
    }

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    /** Per expert, neuron indices by descending score, ties by ascending index. */
    static int[][] rankAll(float[][] scores) {
        int[][] order = new int[scores.length][];
        for (int e = 0; e < scores.length; e++) {
            float[] v = scores[e];
            Integer[] idx = new Integer[v.length];
            for (int i = 0; i < v.length; i++) {
                idx[i] = i;
            }
            Arrays.sort(idx, (a, b) -> {
                int c = Float.compare(v[b], v[a]);
                return c != 0 ? c : Integer.compare(a, b);
            });
            order[e] = Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
        }
        return order;
    }

    private static int checkScoresCount(float[][] scores) {
        if (scores == null || scores.length == 0) {
            throw new IllegalArgumentException("scores: expected [E][I] importance scores, got no experts");
        }
        return scores.length;
    }

    /** Validates [E][I] finite scores and returns I. */
    private static int checkScores(float[][] scores) {
        checkScoresCount(scores);
        int ffn = scores[0] == null ? 0 : scores[0].length;
        if (ffn == 0) {
            throw new IllegalArgumentException("scores[0]: expected I > 0 neuron scores");
        }
        for (int e = 0; e < scores.length; e++) {
            if (scores[e] == null || scores[e].length != ffn) {
                throw new IllegalArgumentException("scores[" + e + "]: expected " + ffn + " neuron scores, got "
                        + (scores[e] == null ? "null" : scores[e].length));
            }
            for (int i = 0; i < ffn; i++) {
                if (!Float.isFinite(scores[e][i])) {
                    throw new IllegalArgumentException("scores[" + e + "][" + i + "] is not finite: " + scores[e][i]);
                }
            }
        }
        return ffn;
    }

    private static void checkSizes(int[] sizes, int experts, int ffn) {
        if (sizes == null || sizes.length != experts) {
            throw new IllegalArgumentException("sizes: expected " + experts + " expert sizes, got "
                    + (sizes == null ? "null" : sizes.length));
        }
        for (int e = 0; e < experts; e++) {
            if (sizes[e] < 1 || sizes[e] > ffn) {
                throw new IllegalArgumentException("sizes[" + e + "] = " + sizes[e] + " outside [1, I=" + ffn + "]");
            }
        }
    }
}
