package io.moe4j.train.optim;

/**
 * AdamW hyper-parameters other than the learning rate (which comes from an {@link LrSchedule} each step).
 *
 * @param beta1              first-moment decay (torch default 0.9)
 * @param beta2              second-moment decay (torch default 0.999; LLaMA-MoE 0.95)
 * @param eps                added to {@code sqrt(v_hat)} (torch default 1e-8)
 * @param weightDecay        decoupled decay coefficient; each step does {@code p -= lr * weightDecay * p}
 *                           on decayed parameters (torch default 0.01; LLaMA-MoE 0.1)
 * @param llamaMoeExclusions which parameters are decayed. false (default): those of rank >= 2, the nanoGPT /
 *                           GPT-2 rule, so biases, norm gains and other vectors are not. true: LLaMA-MoE's rule
 *                           (METHOD.md §5.4): every parameter except names containing "bias" or "norm.weight";
 *                           it decays the router weights too
 */
public record AdamWConfig(double beta1, double beta2, double eps, double weightDecay, boolean llamaMoeExclusions) {
    public AdamWConfig {
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("AdamW beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW beta2 must be in [0, 1), got " + beta2);
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("AdamW eps must be finite and >= 0, got " + eps);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("AdamW weightDecay must be finite and >= 0, got " + weightDecay);
        }
    }

    /** torch.optim.AdamW's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01, rank >= 2 rule. */
    public static AdamWConfig torchDefaults() {
        return new AdamWConfig(0.9, 0.999, 1e-8, 0.01, false);
    }

    /** The LLaMA-MoE continual pre-training setting (METHOD.md §5.4): (0.9, 0.95), 1e-8, 0.1, name exclusions. */
    public static AdamWConfig llamaMoeCpt() {
        return new AdamWConfig(0.9, 0.95, 1e-8, 0.1, true);
    }

    public AdamWConfig withWeightDecay(double wd) {
        return new AdamWConfig(beta1, beta2, eps, wd, llamaMoeExclusions);
    }

    public AdamWConfig withLlamaMoeExclusions(boolean on) {
        return new AdamWConfig(beta1, beta2, eps, weightDecay, on);
    }

    /** Whether {@code segment} is weight-decayed under this config's rule (independent of weightDecay's value). */
    public boolean decays(ParamSegment segment) {
        if (llamaMoeExclusions) {
            String n = segment.name();
            return !n.contains("bias") && !n.contains("norm.weight");
        }
        return segment.rank() >= 2;
    }
}
