package io.moe4j.nn;

import io.moe4j.autograd.Var;
import io.moe4j.tensor.DType;

/**
 * One pre-norm LLaMA decoder layer: h = x + attn(norm₁(x)); out = h + ffn(norm₂(h)).
 * Children carry the Hugging Face names: input_layernorm, self_attn, post_attention_layernorm, mlp.
 */
public final class DecoderBlock extends Module {
    private final RMSNorm inputNorm, postNorm;
    private final Attention attn;
    private FeedForward ffn;

    public DecoderBlock(LlamaConfig c, Rope rope, DType dtype) {
        inputNorm = setModule("input_layernorm", new RMSNorm(c.dim(), c.normEps(), dtype));
        attn = setModule("self_attn", new Attention(c, rope, dtype));
        postNorm = setModule("post_attention_layernorm", new RMSNorm(c.dim(), c.normEps(), dtype));
        ffn = setModule("mlp", new SwiGluFfn(c.dim(), c.hiddenDim(), dtype));
    }

    public RMSNorm inputNorm() { return inputNorm; }
    public Attention attention() { return attn; }
    public RMSNorm postAttentionNorm() { return postNorm; }
    public FeedForward ffn() { return ffn; }

    /**
     * Replaces this layer's FFN (e.g. with an MoE layer); its parameters then appear under
     * {@code mlp.*}. Make a new {@link ParameterBuffer} and {@link KvCache} afterwards.
     */
    public void setFfn(FeedForward f) {
        ffn = setModule("mlp", f);
    }

    /** x [B, T, C] -> [B, T, C]. */
    public Var forward(Var x) {
        Var h = x.add(attn.forward(inputNorm.forward(x)));
        return h.add(ffn.forward(postNorm.forward(h)));
    }

    /** Decode path on the cache's residual stream {@code x} at position pos. */
    void forwardToken(KvCache c, int layer, int pos) {
        float[] x = c.x, xb = c.xb, xb2 = c.xb2;
        inputNorm.forwardToken(x, xb);
        attn.forwardToken(xb, xb2, c, layer, pos);
        for (int i = 0; i < x.length; i++) x[i] += xb2[i];
        postNorm.forwardToken(x, xb);
        ffn.forwardToken(xb, xb2, c);
        for (int i = 0; i < x.length; i++) x[i] += xb2[i];
    }
}
