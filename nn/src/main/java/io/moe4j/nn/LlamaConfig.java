package io.moe4j.nn;

/**
 * The shape of a LLaMA-architecture model. Defaults follow LLaMA-2 and llama2.c.
 *
 * @param dim         model width C (llama2.c {@code dim}, HF {@code hidden_size})
 * @param hiddenDim   SwiGLU FFN width F (HF {@code intermediate_size})
 * @param nLayers     decoder blocks L
 * @param nHeads      query heads H; head dim D = dim / nHeads
 * @param nKvHeads    key/value heads (grouped-query attention when fewer than nHeads)
 * @param vocabSize   V
 * @param maxSeqLen   longest context the rotary tables are built for
 * @param normEps     RMSNorm epsilon: 1e-5 in llama2.c, HF {@code rms_norm_eps}
 * @param ropeTheta   rotary base: 10000 in LLaMA-1/2, HF {@code rope_theta}
 * @param tiedEmbeddings true when the output head shares the token embedding (llama2.c's
 *                    "shared classifier", HF {@code tie_word_embeddings})
 */
public record LlamaConfig(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize,
                          int maxSeqLen, double normEps, double ropeTheta, boolean tiedEmbeddings) {

    public LlamaConfig {
        check(dim > 0, "dim", dim, "> 0");
        check(hiddenDim > 0, "hidden_dim", hiddenDim, "> 0");
        check(nLayers > 0, "n_layers", nLayers, "> 0");
        check(nHeads > 0 && dim % nHeads == 0, "n_heads", nHeads, "> 0 and dividing dim " + dim);
        check(nKvHeads > 0 && nHeads % nKvHeads == 0, "n_kv_heads", nKvHeads, "> 0 and dividing n_heads " + nHeads);
        check((dim / nHeads) % 2 == 0, "head_dim", dim / nHeads, "even (rotary pairs)");
        check(vocabSize > 0, "vocab_size", vocabSize, "> 0");
        check(maxSeqLen > 0, "max_seq_len", maxSeqLen, "> 0");
        check(normEps > 0, "norm_eps", normEps, "> 0");
        check(ropeTheta > 0, "rope_theta", ropeTheta, "> 0");
    }

    private static void check(boolean ok, String field, Object value, String expected) {
        if (!ok) throw new IllegalArgumentException("model config: " + field + " = " + value + ", expected " + expected);
    }

    /** llama2.c defaults for eps and theta. */
    public static LlamaConfig llama2c(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize,
                                      int maxSeqLen, boolean shared) {
        return new LlamaConfig(dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, maxSeqLen, 1e-5, 10000.0, shared);
    }

    /** Per-head width D. */
    public int headDim() {
        return dim / nHeads;
    }

    /** Width of the key/value projections, nKvHeads * D. */
    public int kvDim() {
        return nKvHeads * headDim();
    }

    /** Total parameter count (weights only; the rotary tables are not parameters). */
    public long parameterCount() {
        long perLayer = 2L * dim + (long) dim * dim * 2 + 2L * dim * kvDim() + 3L * dim * hiddenDim;
        return (long) vocabSize * dim * (tiedEmbeddings ? 1 : 2) + nLayers * perLayer + dim;
    }
}
