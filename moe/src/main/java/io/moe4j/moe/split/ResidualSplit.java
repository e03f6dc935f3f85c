package io.moe4j.moe.split;

/**
 * Result of Neuron-Sharing Inter, the "residual MoE" of METHOD.md §3.7: R always-on residual experts
 * built from the most shared neurons, plus N_moe routed experts built from the rest.
 *
 * <p>The model computes MoE_routed(x) + ResidualBlock(x); the residual block runs all R experts
 * (weight 1 each when R = 1) scaled by its own score_scale_factor_residual.
 *
 * @param routed   the N_moe routed experts' index sets
 * @param residual the R residual experts' index sets, chunks of the residual pool in pool order
 */
public record ResidualSplit(ExpertSplit routed, ExpertSplit residual) {

    public ResidualSplit {
        if (routed == null || residual == null) {
            throw new IllegalArgumentException("ResidualSplit: routed and residual splits are both required");
        }
        if (routed.numNeurons() != residual.numNeurons()) {
            throw new IllegalArgumentException("ResidualSplit: routed I=" + routed.numNeurons()
                    + " differs from residual I=" + residual.numNeurons());
        }
    }

    /** How many experts (routed or residual) hold each neuron, [I]. */
    public int[] coverageCounts() {
        int[] counts = routed.coverageCounts();
        int[] res = residual.coverageCounts();
        for (int i = 0; i < counts.length; i++) {
            counts[i] += res[i];
        }
        return counts;
    }
}
