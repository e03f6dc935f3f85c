package io.moe4j.cuda;

/**
 * The host half of MoE dispatch: a stable counting sort of routing slots by expert. Slot s
 * (token s / topK, its k-th choice) goes to expert {@code expertOfSlot[s]}; the plan lists the
 * slots expert by expert, in slot order within an expert, so the permuted rows of each expert are
 * contiguous and the grouped GEMM can take them as one matrix. Routing decisions are host data
 * already, so sorting them here costs O(slots) and keeps the device kernels simple.
 *
 * @param order    order[p] = the slot at permuted row p
 * @param offsets  rows of expert e are [offsets[e], offsets[e+1]); length numExperts + 1
 */
public record MoeDispatch(int[] order, int[] offsets) {

    public static MoeDispatch plan(int[] expertOfSlot, int numExperts) {
        if (numExperts <= 0) throw new IllegalArgumentException("moe dispatch: numExperts must be > 0, got " + numExperts);
        int[] offsets = new int[numExperts + 1];
        for (int s = 0; s < expertOfSlot.length; s++) {
            int e = expertOfSlot[s];
            if (e < 0 || e >= numExperts)
                throw new IllegalArgumentException("moe dispatch: slot " + s + " routes to expert " + e + ", expected [0, " + numExperts + ")");
            offsets[e + 1]++;
        }
        for (int e = 0; e < numExperts; e++) offsets[e + 1] += offsets[e];
        int[] next = java.util.Arrays.copyOf(offsets, numExperts);
        int[] order = new int[expertOfSlot.length];
        for (int s = 0; s < expertOfSlot.length; s++) order[next[expertOfSlot[s]]++] = s;
        return new MoeDispatch(order, offsets);
    }

    /** Rows routed to expert e. */
    public int count(int e) {
        return offsets[e + 1] - offsets[e];
    }

    /** The largest expert's row count (the grouped GEMM's grid height). */
    public int maxCount() {
        int m = 0;
        for (int e = 0; e + 1 < offsets.length; e++) m = Math.max(m, count(e));
        return m;
    }
}
