package io.moe4j.moe;

import java.util.Arrays;

/**
 * How one layer's FFN is routed.
 *
 * @param sizes         expert widths m_1..m_N (size_experts of this layer)
 * @param topK          k, experts per token
 * @param gate          router kind
 * @param network       router network
 * @param scale         score_scale_factor sf of this layer (N/k by default)
 * @param balanceWeight w_b of the balance loss (0.01 in LLaMA-MoE; Mixtral uses 0.001)
 * @param addNoise      noisy gating in training mode
 * @param noiseEpsilon  ε in σ = softplus(W_noise·x) + ε
 * @param residualSizes widths of the always-on residual experts of Neuron-Sharing Inter
 *                      (METHOD.md §3.7); empty for a plain MoE layer
 * @param residualScale score_scale_factor_residual, the residual block's own sf
 */
public record MoeSpec(int[] sizes, int topK, GateType gate, GateNetwork network, double scale,
                      double balanceWeight, boolean addNoise, double noiseEpsilon, int[] residualSizes, double residualScale) {

    /** A layer without residual experts. */
    public MoeSpec(int[] sizes, int topK, GateType gate, GateNetwork network, double scale,
                   double balanceWeight, boolean addNoise, double noiseEpsilon) {
        this(sizes, topK, gate, network, scale, balanceWeight, addNoise, noiseEpsilon, new int[0], 1.0);
    }

    public MoeSpec {
        sizes = sizes.clone();
        residualSizes = residualSizes == null ? new int[0] : residualSizes.clone();
        for (int s : residualSizes) if (s <= 0) throw new IllegalArgumentException("residual expert sizes must be > 0, got " + Arrays.toString(residualSizes));
        if (!(residualScale > 0)) throw new IllegalArgumentException("residual score scale factor must be > 0, got " + residualScale);
        if (sizes.length == 0) throw new IllegalArgumentException("MoE layer needs at least one expert");
        for (int s : sizes) if (s <= 0) throw new IllegalArgumentException("expert sizes must be > 0, got " + Arrays.toString(sizes));
        if (topK < 1 || topK > sizes.length)
            throw new IllegalArgumentException("top-k = " + topK + " must be between 1 and the number of experts (" + sizes.length + ")");
        if (gate == GateType.SWITCH && topK != 1) throw new IllegalArgumentException("the Switch gate routes to exactly 1 expert, got top-k = " + topK);
        if (!(scale > 0) || Double.isInfinite(scale)) throw new IllegalArgumentException("score scale factor must be > 0, got " + scale);
        if (balanceWeight < 0) throw new IllegalArgumentException("balance loss weight must be >= 0, got " + balanceWeight);
    }

    /** LLaMA-MoE defaults: noisy top-k gate, MLP router, sf = N/k, w_b = 0.01, ε = 0.01. */
    public static MoeSpec llamaMoe(int[] sizes, int topK) {
        return new MoeSpec(sizes, topK, GateType.TOP_K_NOISY, GateNetwork.MLP, (double) sizes.length / topK, 0.01, true, 0.01);
    }

    public int numExperts() {
        return sizes.length;
    }

    public int totalWidth() {
        int t = 0;
        for (int s : sizes) t += s;
        return t;
    }

    public MoeSpec withScale(double sf) {
        return new MoeSpec(sizes, topK, gate, network, sf, balanceWeight, addNoise, noiseEpsilon, residualSizes, residualScale);
    }

    public MoeSpec withGate(GateType g, GateNetwork n) {
        return new MoeSpec(sizes, topK, g, n, scale, balanceWeight, addNoise && g == GateType.TOP_K_NOISY, noiseEpsilon, residualSizes, residualScale);
    }

    public MoeSpec withTopK(int k) {
        return new MoeSpec(sizes, k, gate, network, scale, balanceWeight, addNoise, noiseEpsilon, residualSizes, residualScale);
    }

    /** Adds always-on residual experts (Neuron-Sharing Inter). */
    public MoeSpec withResidual(int[] resSizes, double resScale) {
        return new MoeSpec(sizes, topK, gate, network, scale, balanceWeight, addNoise, noiseEpsilon, resSizes, resScale);
    }

    public boolean hasResidual() {
        return residualSizes.length > 0;
    }
}
