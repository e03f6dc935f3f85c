package io.moe4j.train;

/**
 * What one optimizer step did, averaged over its micro-batches.
 *
 * @param step        1-based step number
 * @param loss        LM loss + balance loss (the optimized quantity)
 * @param lmLoss      mean next-token cross-entropy
 * @param balanceLoss sum over layers of the MoE balance losses (0 for a dense model)
 * @param lr          learning rate used
 * @param gradNorm    global L2 norm of the trainable gradients before clipping
 * @param tokens      input positions processed (B·T·accum)
 * @param lossTokens  positions that carried loss
 * @param seconds     wall time of the step
 * @param expertLoad  [L][E] tokens routed to each expert, summed over micro-batches; null for a dense model
 * @param skipped     true when a non-finite value was found and the update was skipped
 * @param nonFinite   the parameter named by the non-finite check, when skipped
 */
public record StepResult(int step, double loss, double lmLoss, double balanceLoss, double lr, double gradNorm,
                         long tokens, long lossTokens, double seconds, int[][] expertLoad, boolean skipped,
                         String nonFinite) {
    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : 0;
    }
}
