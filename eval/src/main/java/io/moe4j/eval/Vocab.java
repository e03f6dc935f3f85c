package io.moe4j.eval;

import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.nn.LlamaModel;

/**
 * The model/tokenizer pairing check. A wrong tokenizer does not crash a model, it silently produces
 * garbage numbers, so the two vocabulary sizes must agree before any scoring. The one tolerated
 * difference is an embedding padded past the tokenizer (HF checkpoints round V up to a multiple
 * of 8..128 for fast matmuls; those extra rows are never produced by the tokenizer).
 */
public final class Vocab {
    /** Largest padding of the embedding over the tokenizer that we accept as padding. */
    static final int MAX_PADDING = 128;

    private Vocab() {}

    public static void check(LlamaModel model, Tokenizer tok) {
        int mv = model.config().vocabSize(), tv = tok.vocabSize();
        boolean padded = tv < mv && mv - tv < MAX_PADDING && mv % 8 == 0;
        if (tv != mv && !padded)
            throw new IllegalArgumentException("tokenizer has " + tv + " tokens but the model's vocab_size is " + mv
                    + ": this tokenizer does not belong to this model (pass the right one with --tokenizer)");
    }
}
