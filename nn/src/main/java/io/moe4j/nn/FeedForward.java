package io.moe4j.nn;

import io.moe4j.autograd.Var;

/**
 * The per-layer feed-forward slot of a {@link DecoderBlock}, registered under the name
 * {@code mlp}. The dense model uses {@link SwiGluFfn}; LLaMA-MoE replaces each layer's FFN with an
 * MoE layer by implementing this class and calling {@link DecoderBlock#setFfn}.
 *
 * <p>An implementation provides both paths: the autograd forward over a batch, and a plain-array
 * single-token forward for KV-cached decoding that must not allocate.
 */
public abstract class FeedForward extends Module {

    /** x [B, T, C] -> [B, T, C]. */
    public abstract Var forward(Var x);

    /**
     * Decode path: out[0..C) = FFN(x[0..C)), F32, no autograd. Work arrays come from
     * {@link KvCache#ffnScratch()} (at least {@link #tokenScratchSize()} floats) and products
     * from {@link KvCache#matVec()}. {@code out} and {@code x} are distinct arrays.
     */
    public abstract void forwardToken(float[] x, float[] out, KvCache cache);

    /** Floats of {@link KvCache#ffnScratch()} that {@link #forwardToken} needs. */
    public abstract int tokenScratchSize();

    /**
     * An extra loss term produced by the last {@link #forward} (the MoE load-balancing loss), or
     * null. {@link LlamaModel#auxLosses()} collects them; the dense FFN has none.
     */
    public Var auxLoss() {
        return null;
    }
}
