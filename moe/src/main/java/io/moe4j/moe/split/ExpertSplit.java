package io.moe4j.moe.split;

import java.util.Arrays;

/**
 * One layer's expert construction result: N index sets S_1..S_N over the I FFN neurons (METHOD.md §3).
 *
 * <p>Neuron i is the triple (row i of gate_proj, row i of up_proj, column i of down_proj); expert e is
 * built from the neurons in {@code indices(e)}. Every set is stored in <b>increasing neuron order</b>,
 * which is the order the reference converter slices in (a boolean mask, §3.1). For a sum over the FFN
 * width the order does not change the maths, only the layout of the expert's weights.
 *
 * <p>Sets of neuron-independent methods (random, clustering, gradient without sharing) form a
 * partition of [0, I); sharing methods may overlap and may leave neurons uncovered, and upcycling
 * gives every expert all I neurons. {@link #isPartition()} and {@link #coverageCounts()} tell which.
 *
 * <p>Immutable: the constructor copies and sorts, the accessors copy.
 */
public final class ExpertSplit {

    private final int numNeurons;   // I
    private final int[][] sets;     // [E][size_e], each strictly increasing

    /**
     * @param numNeurons I, the dense FFN width
     * @param sets       one index list per expert; copied and sorted; duplicates inside one set,
     *                   indices outside [0, I) and empty sets are rejected
     */
    public ExpertSplit(int numNeurons, int[][] sets) {
        if (numNeurons <= 0) {
            throw new IllegalArgumentException("numNeurons (I) must be > 0, got " + numNeurons);
        }
        if (sets == null || sets.length == 0) {
            throw new IllegalArgumentException("sets: expected at least one expert, got none");
        }
        this.numNeurons = numNeurons;
        this.sets = new int[sets.length][];
        for (int e = 0; e < sets.length; e++) {
            if (sets[e] == null || sets[e].length == 0) {
                throw new IllegalArgumentException("sets[" + e + "]: expert must hold at least one neuron");
            }
            int[] s = sets[e].clone();
            Arrays.sort(s);
            for (int j = 0; j < s.length; j++) {
                if (s[j] < 0 || s[j] >= numNeurons) {
                    throw new IllegalArgumentException("sets[" + e + "]: neuron index " + s[j]
                            + " outside [0, " + numNeurons + ")");
                }
                if (j > 0 && s[j] == s[j - 1]) {
                    throw new IllegalArgumentException("sets[" + e + "]: neuron " + s[j] + " listed twice");
                }
            }
            this.sets[e] = s;
        }
    }

    /**
     * Builds the partition S_j = {i : labels[i] = j}, in increasing neuron order (METHOD.md §3.1).
     *
     * @param labels     [I] expert label per neuron, each in [0, numExperts)
     * @param numExperts N; every expert must receive at least one neuron
     */
    public static ExpertSplit fromLabels(int[] labels, int numExperts) {
        if (labels == null || labels.length == 0) {
            throw new IllegalArgumentException("labels: expected one label per neuron, got none");
        }
        if (numExperts <= 0) {
            throw new IllegalArgumentException("numExperts (N) must be > 0, got " + numExperts);
        }
        int[] counts = new int[numExperts];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numExperts) {
                throw new IllegalArgumentException("labels[" + i + "] = " + labels[i]
                        + " outside [0, " + numExperts + ")");
            }
            counts[labels[i]]++;
        }
        int[][] sets = new int[numExperts][];
        for (int e = 0; e < numExperts; e++) {
            sets[e] = new int[counts[e]];
        }
        int[] fill = new int[numExperts];
        for (int i = 0; i < labels.length; i++) {
            sets[labels[i]][fill[labels[i]]++] = i;   // increasing i, so already sorted
        }
        return new ExpertSplit(labels.length, sets);
    }

    /**
     * The project's balanced sizes (METHOD.md §0.1): every expert gets floor(I/N) neurons and the
     * I mod N extra neurons go one each to the first experts. When N divides I all sizes are I/N.
     */
    public static int[] balancedSizes(int numNeurons, int numExperts) {
        checkShape(numNeurons, numExperts);
        int base = numNeurons / numExperts;
        int extra = numNeurons % numExperts;
        int[] sizes = new int[numExperts];
        for (int e = 0; e < numExperts; e++) {
            sizes[e] = base + (e < extra ? 1 : 0);
        }
        return sizes;
    }

    /** Shared argument check for methods that give every one of N experts at least one of I neurons. */
    static void checkShape(int numNeurons, int numExperts) {
        if (numNeurons <= 0) {
            throw new IllegalArgumentException("numNeurons (I) must be > 0, got " + numNeurons);
        }
        if (numExperts <= 0 || numExperts > numNeurons) {
            throw new IllegalArgumentException("numExperts (N) must be in [1, I=" + numNeurons
                    + "], got " + numExperts);
        }
    }

    /** I, the dense FFN width the indices refer to. */
    public int numNeurons() {
        return numNeurons;
    }

    /** N, the number of experts. */
    public int numExperts() {
        return sets.length;
    }

    /** Neuron indices of expert e, strictly increasing (a copy). */
    public int[] indices(int expert) {
        return sets[checkExpert(expert)].clone();
    }

    /** Size of expert e, m_e. */
    public int size(int expert) {
        return sets[checkExpert(expert)].length;
    }

    /** size_experts for this layer (the config field of METHOD.md §9.1), [N]. */
    public int[] sizeExperts() {
        int[] out = new int[sets.length];
        for (int e = 0; e < sets.length; e++) {
            out[e] = sets[e].length;
        }
        return out;
    }

    /** Σ_e m_e: the MoE layer's total width, which exceeds I for overlapping sets. */
    public int totalWidth() {
        int total = 0;
        for (int[] s : sets) {
            total += s.length;
        }
        return total;
    }

    /** How many experts hold each neuron, [I]. */
    public int[] coverageCounts() {
        int[] counts = new int[numNeurons];
        for (int[] s : sets) {
            for (int i : s) {
                counts[i]++;
            }
        }
        return counts;
    }

    /** True when every neuron belongs to exactly one expert, so Σ_e E_e(x) equals the dense FFN. */
    public boolean isPartition() {
        for (int c : coverageCounts()) {
            if (c != 1) {
                return false;
            }
        }
        return true;
    }

    /** Expert label per neuron, [I]; only defined for a partition. */
    public int[] labels() {
        if (!isPartition()) {
            throw new IllegalStateException("labels(): split is not a partition of [0, " + numNeurons + ")");
        }
        int[] labels = new int[numNeurons];
        for (int e = 0; e < sets.length; e++) {
            for (int i : sets[e]) {
                labels[i] = e;
            }
        }
        return labels;
    }

    private int checkExpert(int expert) {
        if (expert < 0 || expert >= sets.length) {
            throw new IndexOutOfBoundsException("expert " + expert + " outside [0, " + sets.length + ")");
        }
        return expert;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExpertSplit && ((ExpertSplit) o).numNeurons == numNeurons
                && Arrays.deepEquals(((ExpertSplit) o).sets, sets);
    }

    @Override
    public int hashCode() {
        return 31 * numNeurons + Arrays.deepHashCode(sets);
    }

    @Override
    public String toString() {
        return "ExpertSplit[I=" + numNeurons + ", sizes=" + Arrays.toString(sizeExperts()) + "]";
    }
}
