package io.moe4j.train;

/**
 * One micro-batch of next-token prediction: {@code inputs[b][t]} predicts {@code targets[b][t]}; targets equal to
 * {@link #IGNORE} carry no loss (padding, prompts, BOS).
 *
 * @param inputs  (B, T) token ids
 * @param targets (B, T) token ids or {@link #IGNORE}
 * @param domains (B) domain index of each row (for per-domain bookkeeping; zeros when not meaningful)
 */
public record MicroBatch(int[][] inputs, int[][] targets, int[] domains) {
    /** The ignore index of PyTorch's cross-entropy, used by every loss-masking recipe we reproduce. */
    public static final int IGNORE = -100;

    public MicroBatch {
        if (inputs.length == 0) throw new IllegalArgumentException("micro-batch has no rows");
        if (targets.length != inputs.length || domains.length != inputs.length)
            throw new IllegalArgumentException("micro-batch: inputs, targets and domains need the same number of rows, got "
                    + inputs.length + ", " + targets.length + ", " + domains.length);
        int t = inputs[0].length;
        for (int b = 0; b < inputs.length; b++) {
            if (inputs[b].length != t || targets[b].length != t)
                throw new IllegalArgumentException("micro-batch row " + b + " has length " + inputs[b].length + "/"
                        + targets[b].length + ", expected " + t + " (rows must be padded to one length)");
        }
    }

    public int rows() {
        return inputs.length;
    }

    public int seqLen() {
        return inputs[0].length;
    }

    /** Positions whose target carries loss. */
    public long lossTokens() {
        long n = 0;
        for (int[] row : targets) for (int y : row) if (y != IGNORE) n++;
        return n;
    }
}
