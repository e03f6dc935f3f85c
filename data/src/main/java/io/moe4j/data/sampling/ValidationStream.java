package io.moe4j.data.sampling;

import io.moe4j.data.cache.DomainTokens;
import io.moe4j.data.cache.Manifest;
import io.moe4j.data.cache.TokenCache;
import io.moe4j.data.corpus.Split;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validation blocks of one domain for per-domain loss (the {@code eval_<domain>_loss} of the
 * dynamic rule): documents in cache order, no shuffling, each as [BOS] tokens [EOS], concatenated and
 * cut into blocks of T+1 tokens; the final partial block is dropped. Deterministic, so every
 * evaluation sees the same tokens. Create a new instance for each evaluation pass.
 */
public final class ValidationStream {
    private final DomainTokens toks;
    private final int blockLen;
    private final int bos;
    private final int eos;
    private final long maxBlocks;
    private long doc;
    private long local;
    private long blocks;
    private final long totalBlocks;

    /**
     * @param bos       BOS id or -1
     * @param eos       EOS id or -1
     * @param maxBlocks cap on blocks per pass ({@code <= 0}: all)
     */
    public ValidationStream(DomainTokens toks, int seqLen, int bos, int eos, long maxBlocks) {
        if (seqLen <= 0) throw new IllegalArgumentException("seq_len must be > 0, got " + seqLen);
        this.toks = toks;
        this.blockLen = seqLen + 1;
        this.bos = bos;
        this.eos = eos;
        long virtual = toks.tokens() + toks.documents() * ((bos >= 0 ? 1 : 0) + (eos >= 0 ? 1 : 0));
        long all = virtual / blockLen;
        this.totalBlocks = maxBlocks > 0 ? Math.min(all, maxBlocks) : all;
        this.maxBlocks = totalBlocks;
    }

    /**
     * One stream per validation domain of the cache, in cache order, with the cache tokenizer's BOS/EOS ids.
     * Domains too small for one block are left out (the map says which remain).
     */
    public static Map<String, ValidationStream> forCache(TokenCache cache, int seqLen, boolean addBos, boolean addEos, long maxBlocks) {
        Manifest m = cache.manifest();
        int bos = addBos ? m.bosId() : -1;
        int eos = addEos ? m.eosId() : -1;
        Map<String, ValidationStream> out = new LinkedHashMap<>();
        for (String d : cache.domains(Split.VALIDATION)) {
            ValidationStream v = new ValidationStream(cache.tokens(Split.VALIDATION, d), seqLen, bos, eos, maxBlocks);
            if (v.totalBlocks > 0) out.put(d, v);
        }
        return Collections.unmodifiableMap(out);
    }

    public String domain() {
        return toks.domain();
    }

    /** Blocks this pass yields in total. */
    public long totalBlocks() {
        return totalBlocks;
    }

    public boolean hasNext() {
        return blocks < maxBlocks;
    }

    /** Writes the next T+1 tokens into dst. */
    public void next(int[] dst) {
        if (!hasNext()) throw new IllegalStateException("validation stream of '" + domain() + "' is finished");
        int head = bos >= 0 ? 1 : 0;
        int k = 0;
        while (k < blockLen) {
            int len = toks.docLength(doc);
            long vlen = head + len + (eos >= 0 ? 1 : 0);
            if (local >= vlen) {
                doc++;
                local = 0;
                continue;
            }
            int n = PackedStream.copyFromDocument(toks, toks.docStart(doc), len, bos, eos, local, dst, k, blockLen);
            k += n;
            local += n;
        }
        blocks++;
    }

    /** The next batch of up to B rows (fewer at the end), or null when the pass is over. */
    public Batch nextBatch(int batchSize) {
        if (!hasNext()) return null;
        int rows = (int) Math.min(batchSize, maxBlocks - blocks);
        int t = blockLen - 1;
        int[][] inputs = new int[rows][t];
        int[][] labels = new int[rows][t];
        int[] block = new int[blockLen];
        for (int r = 0; r < rows; r++) {
            next(block);
            System.arraycopy(block, 0, inputs[r], 0, t);
            System.arraycopy(block, 1, labels[r], 0, t);
        }
        return new Batch(inputs, labels, new int[rows], List.of(domain()));
    }
}
