package io.moe4j.train.sft;

import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.train.MicroBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Conversations to token rows with a loss mask: BOS, then every segment of the {@link ChatTemplate} tokenised on
 * its own (plus EOS after each reply). A position carries loss only when the token it predicts belongs to an
 * assistant reply or its EOS; BOS, the system text, user turns and role tags are masked with -100.
 *
 * <p>Sequences longer than the limit are cut to the limit ({@link Overflow#TRUNCATE}) or into consecutive windows
 * that overlap by one token so every target is predicted once ({@link Overflow#SPLIT}). A row left with no assistant
 * target cannot teach anything and is dropped; every truncation, split and drop is counted in {@link Stats}.
 */
public final class SftEncoder {
    public enum Overflow {
        TRUNCATE, SPLIT;

        public static Overflow parse(String s) {
            return switch (s == null ? "" : s.toLowerCase(java.util.Locale.ROOT)) {
                case "truncate" -> TRUNCATE;
                case "split" -> SPLIT;
                default -> throw new IllegalArgumentException("--overflow must be truncate or split, got '" + s + "'");
            };
        }
    }

    /** A tokenised example: {@code tokens} [n] and {@code trained} [n] (true where the token is an assistant target). */
    public record Encoded(int[] tokens, boolean[] trained) {
        /** Inputs [n-1]: every token but the last. */
        public int[] inputs() {
            return Arrays.copyOf(tokens, tokens.length - 1);
        }

        /** Targets [n-1]: the next token where it is trained, else {@link MicroBatch#IGNORE}. */
        public int[] targets() {
            int[] t = new int[tokens.length - 1];
            for (int i = 0; i < t.length; i++) t[i] = trained[i + 1] ? tokens[i + 1] : MicroBatch.IGNORE;
            return t;
        }

        public int lossTokens() {
            int n = 0;
            for (int i = 1; i < trained.length; i++) if (trained[i]) n++;
            return n;
        }
    }

    /** What happened to the examples. */
    public record Stats(int examples, int rows, int truncated, int split, int dropped, long lossTokens, long tokens) {
        public String describe(int limit) {
            return String.format(java.util.Locale.ROOT, "%d examples -> %d rows (%d tokens, %d assistant targets); longer than %d tokens: "
                    + "%d truncated, %d split; %d rows dropped for having no assistant token within the limit",
                    examples, rows, tokens, lossTokens, limit, truncated, split, dropped);
        }
    }

    private final Tokenizer tok;
    private final ChatTemplate template;
    private final String system;
    private final int limit;
    private final Overflow overflow;

    /** @param limit tokens per row at most (the model's input length + 1 is never needed: rows are cut to limit) */
    public SftEncoder(Tokenizer tok, ChatTemplate template, String system, int limit, Overflow overflow) {
        if (limit < 2) throw new IllegalArgumentException("--seq-len must be >= 2 for instruction tuning, got " + limit);
        if (tok.bosId() < 0 || tok.eosId() < 0) throw new IllegalArgumentException("instruction tuning needs a tokenizer with BOS and EOS tokens");
        this.tok = tok;
        this.template = template;
        this.system = system;
        this.limit = limit;
        this.overflow = overflow;
    }

    /** The full, uncut token sequence of one conversation. */
    public Encoded encode(Conversation c) {
        List<int[]> parts = new ArrayList<>();
        List<Boolean> flags = new ArrayList<>();
        parts.add(new int[] {tok.bosId()});
        flags.add(false);
        for (ChatTemplate.Segment s : template.render(c, system)) {
            parts.add(tok.encode(s.text(), false, false));
            flags.add(s.trained());
            if (s.eos()) {
                parts.add(new int[] {tok.eosId()});
                flags.add(s.trained());
            }
        }
        int n = parts.stream().mapToInt(p -> p.length).sum();
        int[] tokens = new int[n];
        boolean[] trained = new boolean[n];
        int k = 0;
        for (int i = 0; i < parts.size(); i++) {
            int[] p = parts.get(i);
            System.arraycopy(p, 0, tokens, k, p.length);
            Arrays.fill(trained, k, k + p.length, flags.get(i));
            k += p.length;
        }
        return new Encoded(tokens, trained);
    }

    /** Rows within the limit for every conversation, and what was cut or dropped. */
    public List<Encoded> encodeAll(List<Conversation> data, int[] statsOut) {
        List<Encoded> rows = new ArrayList<>();
        for (Conversation c : data) {
            Encoded e = encode(c);
            if (e.tokens().length <= limit) {
                keep(rows, e, statsOut);
                continue;
            }
            if (overflow == Overflow.TRUNCATE) {
                statsOut[0]++;
                keep(rows, window(e, 0), statsOut);
            } else {
                statsOut[1]++;
                for (int start = 0; start < e.tokens().length - 1; start += limit - 1) keep(rows, window(e, start), statsOut);
            }
        }
        return rows;
    }

    /** Encodes, cuts and counts; returns the rows and fills the statistics. */
    public Result encodeAndCount(List<Conversation> data) {
        int[] counts = new int[3];  // truncated, split, dropped
        List<Encoded> rows = encodeAll(data, counts);
        long loss = 0, toks = 0;
        for (Encoded e : rows) {
            loss += e.lossTokens();
            toks += e.tokens().length;
        }
        return new Result(rows, new Stats(data.size(), rows.size(), counts[0], counts[1], counts[2], loss, toks));
    }

    /** Rows and their statistics. */
    public record Result(List<Encoded> rows, Stats stats) {}

    private Encoded window(Encoded e, int start) {
        int end = Math.min(e.tokens().length, start + limit);
        return new Encoded(Arrays.copyOfRange(e.tokens(), start, end), Arrays.copyOfRange(e.trained(), start, end));
    }

    private static void keep(List<Encoded> rows, Encoded e, int[] counts) {
        if (e.tokens().length >= 2 && e.lossTokens() > 0) rows.add(e);
        else counts[2]++;
    }
}
