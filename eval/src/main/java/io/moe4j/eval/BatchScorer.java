package io.moe4j.eval;

import io.moe4j.autograd.Grad;
import io.moe4j.autograd.Var;
import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.LlamaModel;
import io.moe4j.tensor.Backends;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores many token sequences with batched full-sequence forwards: the one place where log-likelihood
 * evaluation and perplexity meet the model. Sequences are sorted by length (longest first, like
 * lm-eval) and packed into [B, T] batches of similar lengths, right-padded; causal attention makes
 * padding invisible to real positions, and MoE routing is per token, so every sequence scores as if
 * it ran alone. Forwards run under {@link Grad#noGrad()} with the model in eval mode (no gate
 * noise); the previous training flag is restored afterwards.
 *
 * <p>Batches are bounded three ways so memory stays predictable whatever the model: at most
 * {@code maxRows} sequences, at most {@link #MAX_LOGITS} logits (B·T·V floats) and at most
 * {@link #MAX_SCORES} attention scores (B·H·T·T floats, the largest activation of our attention).
 */
public final class BatchScorer {
    /** B·T·V bound: 64 Mi floats (256 MiB) of logits per forward. */
    static final long MAX_LOGITS = 1L << 26;
    /** B·H·T·T bound: 64 Mi floats of attention scores per forward. */
    static final long MAX_SCORES = 1L << 26;

    /**
     * One sequence to score: positions {@code from .. from + targets.length - 1} of {@code tokens}
     * predict {@code targets} (position p's logits predict targets[p - from]).
     */
    public record Span(int[] tokens, int from, int[] targets) {
        public Span {
            if (from < 0 || from + targets.length > tokens.length)
                throw new IllegalArgumentException("span: targets at positions [" + from + ", " + (from + targets.length)
                        + ") do not fit in " + tokens.length + " tokens");
        }
    }

    /** Sum of log P(target) in nats (double accumulation) and whether every target was the argmax (first on ties). */
    public record Score(double logProb, boolean greedy) {}

    private final LlamaModel model;
    private final int maxRows;
    private long tokens, paddedTokens, forwards;
    private double seconds;

    /** @param maxRows most sequences per forward (the CLI's --batch) */
    public BatchScorer(LlamaModel model, int maxRows) {
        if (maxRows < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + maxRows);
        if (model.dtype() != DType.F32) throw new IllegalArgumentException("scoring needs an F32 model, got " + model.dtype());
        this.model = model;
        this.maxRows = maxRows;
    }

    public LlamaModel model() { return model; }

    /** Real (unpadded) tokens fed so far. */
    public long tokens() { return tokens; }

    /** Tokens fed including padding. */
    public long paddedTokens() { return paddedTokens; }

    /** Seconds spent in forwards and scoring. */
    public double seconds() { return seconds; }

    /** Forward calls made. */
    public long forwards() { return forwards; }

    /**
     * Scores every span; results in input order. A span with no targets scores (0, true) without a
     * forward. Spans with identical inputs share one row (multiple choice with one-token answers,
     * e.g. MMLU's " A".." D", all feed the same context), which is exact for a causal model.
     */
    public List<Score> score(List<Span> spans) {
        int maxLen = model.config().maxSeqLen();
        Score[] out = new Score[spans.size()];
        Map<Key, List<Integer>> byInput = new LinkedHashMap<>();
        for (int i = 0; i < spans.size(); i++) {
            Span s = spans.get(i);
            if (s.tokens().length > maxLen)
                throw new IllegalArgumentException("sequence of " + s.tokens().length + " tokens exceeds max_seq_len " + maxLen);
            if (s.targets().length == 0) out[i] = new Score(0, true);
            else byInput.computeIfAbsent(new Key(s.tokens()), k -> new ArrayList<>()).add(i);
        }
        List<List<Integer>> rows = new ArrayList<>(byInput.values());
        rows.sort(Comparator.comparingInt((List<Integer> r) -> -spans.get(r.get(0)).tokens().length).thenComparingInt(r -> r.get(0)));
        List<List<Integer>> batch = new ArrayList<>();
        for (List<Integer> row : rows) {
            if (!batch.isEmpty() && !fits(batch.size() + 1, spans.get(batch.get(0).get(0)).tokens().length)) {
                run(spans, batch, out);
                batch.clear();
            }
            batch.add(row);
        }
        if (!batch.isEmpty()) run(spans, batch, out);
        return Arrays.asList(out);
    }

    /** An input sequence as a map key (value equality). */
    private record Key(int[] tokens) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(tokens, k.tokens);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(tokens);
        }
    }

    /** Whether {@code rows} sequences padded to {@code t} tokens stay inside the batch bounds. */
    private boolean fits(int rows, int t) {
        LlamaConfig c = model.config();
        return rows <= maxRows && (long) rows * t * c.vocabSize() <= MAX_LOGITS
                && (long) rows * c.nHeads() * t * t <= MAX_SCORES;
    }

    /** One [B, T] forward over the rows {@code batch} (longest first; each row a list of spans sharing the input). */
    private void run(List<Span> spans, List<List<Integer>> batch, Score[] out) {
        long t0 = System.nanoTime();
        int b = batch.size(), t = spans.get(batch.get(0).get(0)).tokens().length, v = model.config().vocabSize();
        int[][] in = new int[b][t]; // [B][T], right-padded with each row's last token
        for (int r = 0; r < b; r++) {
            int[] toks = spans.get(batch.get(r).get(0)).tokens();
            System.arraycopy(toks, 0, in[r], 0, toks.length);
            Arrays.fill(in[r], toks.length, t, toks[toks.length - 1]);
            tokens += toks.length;
        }
        paddedTokens += (long) b * t;
        boolean wasTraining = model.isTraining();
        model.eval();
        Tensor logits; // [B, T, V]
        try (Backends.Scope s = Grad.noGrad()) {
            Var out0 = model.forward(in);
            logits = out0.data().contiguous();
        } finally {
            model.train(wasTraining);
        }
        float[] f = logits.dtype() == DType.F32 ? logits.storage().f : logits.toFloatArray();
        int base = logits.dtype() == DType.F32 ? logits.offset() : 0;
        for (int r = 0; r < b; r++)
            for (int idx : batch.get(r)) out[idx] = scoreRow(f, base + r * t * v, v, spans.get(idx));
        forwards++;
        seconds += (System.nanoTime() - t0) / 1e9;
    }

    /** Log-softmax of the rows a span scores, read straight from the [T, V] logits of its batch row at {@code off}. */
    static Score scoreRow(float[] f, int off, int v, Span s) {
        double sum = 0;
        boolean greedy = true;
        int[] tg = s.targets();
        for (int i = 0; i < tg.length; i++) {
            if (tg[i] < 0 || tg[i] >= v) throw new IllegalArgumentException("target token " + tg[i] + " is outside the model's vocabulary [0, " + v + ")");
            int row = off + (s.from() + i) * v;
            float max = f[row];
            int arg = 0;
            for (int j = 1; j < v; j++) {
                if (f[row + j] > max) {
                    max = f[row + j];
                    arg = j;
                }
            }
            double z = 0;
            for (int j = 0; j < v; j++) z += Math.exp((double) f[row + j] - max);
            sum += (double) f[row + tg[i]] - max - Math.log(z);
            greedy &= arg == tg[i];
        }
        return new Score(sum, greedy);
    }
}
