package io.moe4j.eval;

import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.eval.harness.LanguageModel;
import io.moe4j.eval.harness.PyText;
import io.moe4j.nn.LlamaModel;
import io.moe4j.nn.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link LlamaModel} (dense or MoE) and its {@link Tokenizer} seen through the harness's
 * {@link LanguageModel} door. Tokenization follows the LanguageModel Javadoc rule exactly (lm-eval's
 * {@code _encode_pair}, no BOS, left truncation to max_seq_len); scoring is batched by
 * {@link BatchScorer}; generation runs greedily on the KV-cache decode path.
 */
public final class ModelAdapter implements LanguageModel {
    private final LlamaModel model;
    private final Tokenizer tok;
    private final BatchScorer scorer;
    private long generated, genPositions;
    private double genSeconds;

    /** @param batchSize most sequences per forward */
    public ModelAdapter(LlamaModel model, Tokenizer tok, int batchSize) {
        Vocab.check(model, tok);
        this.model = model;
        this.tok = tok;
        this.scorer = new BatchScorer(model, batchSize);
    }

    /**
     * Throughput so far: tokens fed to scoring forwards (unpadded; inputs shared by several requests
     * count once), and generation's new tokens and decode positions (prompt prefill included).
     */
    public record Throughput(long scoredTokens, double scoreSeconds, long generatedTokens, long generatePositions,
                             double generateSeconds) {
        public double scoreTokensPerSecond() { return scoredTokens / Math.max(scoreSeconds, 1e-9); }
        public double generatePositionsPerSecond() { return generatePositions / Math.max(generateSeconds, 1e-9); }
    }

    public Throughput throughput() {
        return new Throughput(scorer.tokens(), scorer.seconds(), generated, genPositions, genSeconds);
    }

    // ---------------------------------------------------------------- log-likelihood

    /** Context tokens and continuation tokens of one request, before truncation. */
    record Pair(int[] context, int[] continuation) {}

    /** lm-eval's _encode_pair (see {@link LanguageModel}): trailing whitespace moves to the continuation. */
    Pair encodePair(Request r) {
        String ctx = r.context(), cont = r.continuation();
        if (ctx.isEmpty()) {
            int bos = tok.bosId();
            if (bos < 0) throw new IllegalArgumentException("empty context needs a BOS token, and this tokenizer has none");
            return new Pair(new int[] {bos}, tok.encode(cont, false, false));
        }
        String kept = PyText.rstrip(ctx);
        if (kept.length() < ctx.length()) {
            cont = ctx.substring(kept.length()) + cont;
            ctx = kept;
        }
        int[] whole = tok.encode(ctx + cont, false, false);
        int[] c = tok.encode(ctx, false, false);
        int split = Math.min(c.length, whole.length);
        return new Pair(c, Arrays.copyOfRange(whole, split, whole.length));
    }

    /**
     * The span to score: the last maxLen + 1 tokens of context ++ continuation, all but the last fed,
     * the continuation's tokens the targets (a continuation longer than the window keeps its tail).
     */
    static BatchScorer.Span span(Pair p, int maxLen) {
        int n = p.context().length + p.continuation().length;
        int[] all = new int[n];
        System.arraycopy(p.context(), 0, all, 0, p.context().length);
        System.arraycopy(p.continuation(), 0, all, p.context().length, p.continuation().length);
        int start = Math.max(0, n - (maxLen + 1));
        int[] input = Arrays.copyOfRange(all, start, n - 1);
        int contLen = Math.min(p.continuation().length, input.length);
        int[] targets = Arrays.copyOfRange(all, n - contLen, n);
        return new BatchScorer.Span(input, input.length - contLen, targets);
    }

    @Override
    public List<LogLikelihood> loglikelihood(List<Request> requests) {
        int maxLen = model.config().maxSeqLen();
        List<BatchScorer.Span> spans = new ArrayList<>(requests.size());
        for (Request r : requests) spans.add(span(encodePair(r), maxLen));
        List<BatchScorer.Score> scores = scorer.score(spans);
        List<LogLikelihood> out = new ArrayList<>(scores.size());
        for (BatchScorer.Score s : scores) out.add(new LogLikelihood(s.logProb(), s.greedy()));
        return out;
    }

    // ---------------------------------------------------------------- generation

    @Override
    public List<String> generateUntil(List<String> contexts, List<String> stops, int maxTokens) {
        int maxLen = model.config().maxSeqLen();
        if (maxTokens < 1 || maxTokens >= maxLen)
            throw new IllegalArgumentException("generation: max tokens " + maxTokens + " must be in [1, max_seq_len " + maxLen + ")");
        boolean wasTraining = model.isTraining();
        model.eval();
        try {
            List<String> out = new ArrayList<>(contexts.size());
            for (String c : contexts) out.add(generateOne(c, stops, maxTokens, maxLen));
            return out;
        } finally {
            model.train(wasTraining);
        }
    }

    private String generateOne(String context, List<String> stops, int maxTokens, int maxLen) {
        int[] ids = tok.encode(context, false, false);
        if (ids.length == 0) ids = new int[] {tok.bosId()};
        int keep = maxLen - maxTokens;
        if (ids.length > keep) ids = Arrays.copyOfRange(ids, ids.length - keep, ids.length);
        List<Integer> fresh = new ArrayList<>();
        String[] text = {""};
        TextGenerator.Result r = TextGenerator.generate(model, tok, ids, maxTokens, Sampler.greedy(),
                new int[] {tok.eosId()}, id -> {
                    fresh.add(id);
                    text[0] = tok.decode(fresh.stream().mapToInt(Integer::intValue).toArray());
                    return firstStop(text[0], stops) >= 0;
                }, null);
        generated += r.ids().length;
        genPositions += r.positions();
        genSeconds += r.seconds();
        int cut = firstStop(text[0], stops);
        return cut >= 0 ? text[0].substring(0, cut) : text[0];
    }

    /** Index of the earliest occurrence of any stop string, or -1. */
    static int firstStop(String text, List<String> stops) {
        int best = -1;
        for (String s : stops) {
            if (s.isEmpty()) continue;
            int i = text.indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best;
    }
}
