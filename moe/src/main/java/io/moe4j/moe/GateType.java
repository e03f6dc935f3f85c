package io.moe4j.moe;

/**
 * Routers. The names are the {@code gate_type} values written to config.json.
 * <ul>
 * <li>{@link #TOP_K_NOISY}: LLaMA-MoE's TopKBalancedNoisyGate (METHOD.md §2.2): noisy top-k in
 *     training, softmax over the k selected logits, balance loss w·(cv²(importance)+cv²(load)).</li>
 * <li>{@link #SWITCH}: top-1 with the softmax probability as the weight and the Switch
 *     Transformer auxiliary loss N·Σ f_i·P_i (the repo's raw-logit weighting quirk is not copied).</li>
 * <li>{@link #MIXTRAL}: softmax over all N logits, top-k, renormalise (equal to a softmax over the
 *     k selected logits), no noise, Switch-style auxiliary loss.</li>
 * </ul>
 */
public enum GateType {
    TOP_K_NOISY("TopKBalancedNoisyGate"), SWITCH("SwitchBalancedGate"), MIXTRAL("MixtralGate");

    public final String configName;

    GateType(String configName) {
        this.configName = configName;
    }

    public static GateType parse(String s) {
        for (GateType g : values())
            if (g.configName.equalsIgnoreCase(s) || g.name().equalsIgnoreCase(s.replace('-', '_'))) return g;
        throw new IllegalArgumentException("unknown gate type '" + s + "' (expected TopKBalancedNoisyGate, SwitchBalancedGate or MixtralGate)");
    }
}
