package io.moe4j.eval;

import io.moe4j.data.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Token-level perplexity of documents with a sliding window (Hugging Face's "perplexity of
 * fixed-length models" strided method), scoring every token exactly once.
 *
 * <p>A document is {@code [BOS] + encode(text)}, L tokens; its targets are positions 1..L-1, so the
 * first text token is predicted from BOS alone. Windows start at b = 0, S, 2S, ...; a window feeds
 * {@code ids[b, e)} with e = min(b + T, L - 1) and predicts {@code ids[b+1 .. e]}, but scores only
 * the targets after the previous window's last one. With S = T the windows are disjoint; with
 * S &lt; T every scored token after the first window sees at least T - S tokens of context. (HF's
 * recipe masks labels the same way but, because its labels are shifted inside the model, never
 * scores the first token of each window; here the window feeds one token less instead, so none is
 * lost.) The stride must not exceed T, or some targets would have no window.
 *
 * <p>Reported per domain: tokens scored, mean NLL (nats), perplexity = exp(mean NLL), and bits per
 * byte = total NLL / ln 2 / UTF-8 bytes of the texts (comparable across tokenizers).
 */
public final class Perplexity {
    private Perplexity() {}

    /** Documents scored per {@link BatchScorer#score} call, to bound the spans held at once. */
    private static final int DOCS_PER_CALL = 256;

    /**
     * @param seqLen T, the most tokens fed per window (at most the model's max_seq_len)
     * @param stride S, how far each window moves (1..T)
     */
    public record Options(int seqLen, int stride) {
        public Options {
            if (seqLen < 1) throw new IllegalArgumentException("--seq-len must be >= 1, got " + seqLen);
            if (stride < 1 || stride > seqLen)
                throw new IllegalArgumentException("--stride must be between 1 and --seq-len " + seqLen + ", got " + stride);
        }
    }

    /** The totals of one domain. */
    public record Result(String domain, int docs, long tokens, double nll, long bytes) {
        public double meanNll() { return nll / Math.max(1, tokens); }
        public double perplexity() { return Math.exp(meanNll()); }
        public double bitsPerByte() { return nll / Math.log(2) / Math.max(1, bytes); }

        /** Sums of several results (the "all" row). */
        public static Result total(String name, List<Result> parts) {
            int docs = 0;
            long tokens = 0, bytes = 0;
            double nll = 0;
            for (Result r : parts) {
                docs += r.docs;
                tokens += r.tokens;
                nll += r.nll;
                bytes += r.bytes;
            }
            return new Result(name, docs, tokens, nll, bytes);
        }
    }

    /** Tokenizes texts with BOS and scores them. */
    public static Result score(BatchScorer scorer, Tokenizer tok, String domain, List<String> texts, Options o) {
        if (tok.bosId() < 0) throw new IllegalArgumentException("perplexity needs a tokenizer with a BOS token");
        List<int[]> docs = new ArrayList<>(texts.size());
        long bytes = 0;
        for (String t : texts) {
            docs.add(tok.encode(t, true, false));
            bytes += t.getBytes(StandardCharsets.UTF_8).length;
        }
        return scoreIds(scorer, domain, docs, bytes, o);
    }

    /** Scores already tokenized documents (BOS first); {@code bytes} is the UTF-8 size of their texts. */
    public static Result scoreIds(BatchScorer scorer, String domain, List<int[]> docs, long bytes, Options o) {
        int max = scorer.model().config().maxSeqLen();
        if (o.seqLen() > max) throw new IllegalArgumentException("--seq-len " + o.seqLen() + " exceeds the model's max_seq_len " + max);
        long tokens = 0;
        double nll = 0;
        for (int from = 0; from < docs.size(); from += DOCS_PER_CALL) {
            List<BatchScorer.Span> spans = new ArrayList<>();
            for (int[] doc : docs.subList(from, Math.min(docs.size(), from + DOCS_PER_CALL)))
                spans.addAll(windows(doc, o.seqLen(), o.stride()));
            for (BatchScorer.Span s : spans) tokens += s.targets().length;
            for (BatchScorer.Score s : scorer.score(spans)) nll -= s.logProb();
        }
        return new Result(domain, docs.size(), tokens, nll, bytes);
    }

    /** The windows of one document (see the class comment); none for a document of BOS alone. */
    static List<BatchScorer.Span> windows(int[] ids, int seqLen, int stride) {
        List<BatchScorer.Span> out = new ArrayList<>();
        int last = ids.length - 1; // index of the last target
        int prev = 0;              // last target scored so far (0 = none: position 0 is BOS)
        for (int b = 0; prev < last; b += stride) {
            int e = Math.min(b + seqLen, last);
            int[] input = Arrays.copyOfRange(ids, b, e);        // [e - b] tokens fed
            int[] targets = Arrays.copyOfRange(ids, prev + 1, e + 1); // targets prev+1..e
            out.add(new BatchScorer.Span(input, prev - b, targets)); // position p predicts ids[b + p + 1]
            prev = e;
        }
        return out;
    }
}
