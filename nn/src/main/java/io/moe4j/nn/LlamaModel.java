package io.moe4j.nn;

import io.moe4j.autograd.Var;
import io.moe4j.nn.functions.LinearFn;
import io.moe4j.nn.functions.LinearCrossEntropyFn;
import io.moe4j.nn.functions.SoftmaxCrossEntropyFn;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Storage;
import io.moe4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A LLaMA causal language model (HF LlamaForCausalLM): token embedding, decoder blocks, final
 * RMSNorm and an output head that is either its own [V, C] matrix or the embedding (tied).
 * Parameter names are the Hugging Face ones of the shared state-dict contract.
 *
 * <p>Two forward paths share the weights: {@link #forward}/{@link #loss} build an autograd graph
 * over a batch [B][T] (fused Functions), and {@link #forwardToken} decodes one token against a
 * {@link KvCache} with plain float loops and no allocation. Parameters start as separate tensors;
 * {@link ParameterBuffer#of} moves them into one flat array for training.
 */
public final class LlamaModel extends Module {
    /** Standard deviation of the random init of every matrix, HF's initializer_range. */
    public static final double INIT_STD = 0.02;

    private final LlamaConfig config;
    private final Rope rope;
    private final Embedding embed;
    private final List<DecoderBlock> layers = new ArrayList<>();
    private final RMSNorm norm;
    private final Linear lmHead;

    /** A model with zero matrices and unit norms, in dtype (F32, or F64 for gradient checks). */
    public LlamaModel(LlamaConfig config, DType dtype) {
        this.config = config;
        rope = Rope.of(config);
        embed = setModule("model.embed_tokens", new Embedding(config.vocabSize(), config.dim(), dtype));
        for (int i = 0; i < config.nLayers(); i++)
            layers.add(setModule("model.layers." + i, new DecoderBlock(config, rope, dtype)));
        norm = setModule("model.norm", new RMSNorm(config.dim(), config.normEps(), dtype));
        lmHead = config.tiedEmbeddings() ? null : setModule("lm_head", new Linear(config.dim(), config.vocabSize(), dtype));
    }

    /** Random init: every matrix N(0, 0.02) (HF's init), norms one, from one seeded stream. */
    public static LlamaModel random(LlamaConfig config, DType dtype, long seed) {
        LlamaModel m = new LlamaModel(config, dtype);
        m.initRandom(seed);
        return m;
    }

    /** An F32 model holding the weights of a contract state dict (see {@link Module#loadStateDict}). */
    public static LlamaModel fromStateDict(LlamaConfig config, Map<String, Tensor> sd) {
        LlamaModel m = new LlamaModel(config, DType.F32);
        m.loadStateDict(sd);
        return m;
    }

    /** Refills the parameters: rank-2 tensors with N(0, INIT_STD²), rank-1 (norm scales) with 1. */
    public void initRandom(long seed) {
        Random r = new Random(seed);
        for (Param p : namedParams().values()) {
            Tensor t = p.data();
            Storage s = t.storage();
            for (int k = 0; k < t.numel(); k++) s.set(t.offset() + k, t.rank() >= 2 ? r.nextGaussian() * INIT_STD : 1.0);
        }
    }

    public LlamaConfig config() { return config; }
    public Rope rope() { return rope; }
    public Embedding embedding() { return embed; }
    public int numLayers() { return layers.size(); }
    public DecoderBlock layer(int i) { return layers.get(i); }
    public List<DecoderBlock> layers() { return Collections.unmodifiableList(layers); }
    public RMSNorm finalNorm() { return norm; }

    /** The untied output head, or null when the head is the embedding. */
    public Linear lmHead() { return lmHead; }

    // ---------------------------------------------------------------- training path

    /** tokens [B][T] (T ≤ max_seq_len) -> final hidden states [B, T, C] after the last norm. */
    public Var hidden(int[][] tokens) {
        if (tokens != null && tokens.length > 0 && tokens[0] != null && tokens[0].length > config.maxSeqLen())
            throw new IllegalArgumentException("sequence length " + tokens[0].length + " exceeds max_seq_len " + config.maxSeqLen());
        Var x = embed.forward(tokens);
        for (DecoderBlock b : layers) x = b.forward(x);
        return norm.forward(x);
    }

    /** tokens [B][T] -> logits [B, T, V]. */
    public Var forward(int[][] tokens) {
        Var h = hidden(tokens);
        return lmHead == null ? LinearFn.apply(h, embed.weight().var()) : lmHead.forward(h);
    }

    /**
     * Mean next-token cross-entropy: targets [B][T] (usually tokens shifted by one), positions
     * whose target is ignoreIndex excluded from the mean. Auxiliary FFN losses are not included;
     * see {@link #auxLosses()}.
     */
    public Var loss(int[][] tokens, int[][] targets, int ignoreIndex) {
        int[] flat = Embedding.flatten(targets, config.vocabSize(), "target", ignoreIndex);
        if (targets.length != tokens.length || flat.length != tokens.length * tokens[0].length)
            throw new IllegalArgumentException("targets must have the tokens' shape [" + tokens.length + "][" + tokens[0].length + "]");
        Var h = hidden(tokens);
        boolean fused = !"false".equals(System.getProperty("moe4j.fusedLoss")); // -Dmoe4j.fusedLoss=false: separate ops (A/B)
        if (fused && (lmHead == null || lmHead.bias() == null)) // head and loss in one op: the [B·T, V] logits never become a graph tensor
            return LinearCrossEntropyFn.apply(h, (lmHead == null ? embed.weight() : lmHead.weight()).var(), flat, ignoreIndex);
        return SoftmaxCrossEntropyFn.apply(lmHead == null ? LinearFn.apply(h, embed.weight().var()) : lmHead.forward(h), flat, ignoreIndex);
    }

    /** The non-null {@link FeedForward#auxLoss()} of every layer after the last forward. */
    public List<Var> auxLosses() {
        List<Var> out = new ArrayList<>();
        for (DecoderBlock b : layers) if (b.ffn().auxLoss() != null) out.add(b.ffn().auxLoss());
        return out;
    }

    // ---------------------------------------------------------------- decode path

    /** A cache for sequences up to max_seq_len. */
    public KvCache newKvCache() {
        return newKvCache(config.maxSeqLen());
    }

    public KvCache newKvCache(int capacity) {
        return new KvCache(config, capacity, ffnScratchSize());
    }

    private int ffnScratchSize() {
        int n = 0;
        for (DecoderBlock b : layers) n = Math.max(n, b.ffn().tokenScratchSize());
        return n;
    }

    /**
     * Logits [V] for {@code token} at position {@code pos}, after positions 0..pos-1 have been fed
     * to the same cache. Returns the cache's logits array (overwritten by the next call). F32 only.
     */
    public float[] forwardToken(int token, int pos, KvCache cache) {
        if (pos < 0 || pos >= cache.capacity())
            throw new IllegalArgumentException("position " + pos + " is outside the cache's [0, " + cache.capacity() + ")");
        if (!cache.config().equals(config))
            throw new IllegalArgumentException("KvCache was made for another model shape: " + cache.config());
        if (cache.ffnScratch().length < ffnScratchSize())
            throw new IllegalStateException("KvCache was made before an FFN was swapped; make a new one with newKvCache()");
        embed.lookup(token, cache.x);
        for (int l = 0; l < layers.size(); l++) layers.get(l).forwardToken(cache, l, pos);
        norm.forwardToken(cache.x, cache.x);
        if (lmHead != null) {
            lmHead.forwardToken(cache.x, 0, cache.logits(), 0, cache.matVec());
        } else {
            Tensor w = Linear.f32(embed.weight(), "Embedding");
            cache.matVec().apply(w.storage().f, w.offset(), config.vocabSize(), config.dim(), cache.x, 0, cache.logits(), 0);
        }
        return cache.logits();
    }
}
