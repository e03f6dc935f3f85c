package io.moe4j.eval;

import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.nn.KvCache;
import io.moe4j.nn.LlamaModel;
import io.moe4j.nn.Sampler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

/**
 * Token-by-token generation on the KV-cache decode path ({@link LlamaModel#forwardToken}), with
 * llama2.c's loop: position p feeds one token; while p is inside the prompt the next token is
 * forced from the prompt, afterwards it is sampled. Generation stops when a stop id is sampled
 * (not included; llama2.c stops on BOS = 1), after {@code maxNew} new tokens, when the predicate
 * says so, or at max_seq_len.
 *
 * <p>Counting: {@code maxNew} counts sampled tokens after the prompt. llama2.c's {@code -n steps}
 * counts forward positions including the prompt's, so {@code -n S} with a prompt of P tokens (BOS
 * included) samples S - P + 1 tokens: for the empty prompt ([BOS]), {@code -n 200} = 200 new tokens.
 *
 * <p>The text is what llama2.c prints: the piece of every token after position 0 (the prompt's
 * own tokens after BOS, then the new ones), with one leading space dropped right after BOS and
 * byte pieces joined into UTF-8.
 */
public final class TextGenerator {
    private TextGenerator() {}

    /**
     * @param promptIds the prompt fed (BOS included when the caller added it)
     * @param ids       the new tokens, without the prompt
     * @param text      decoded pieces of the prompt tail and the new tokens
     * @param seconds   wall time of the whole loop (prompt included)
     * @param positions forward calls made (prompt and new tokens)
     */
    public record Result(int[] promptIds, int[] ids, String text, double seconds, int positions) {
        /** Forward positions per second. */
        public double tokensPerSecond() {
            return positions / Math.max(seconds, 1e-9);
        }
    }

    /**
     * @param stopIds  ids that end generation when sampled (e.g. BOS and EOS)
     * @param stopAfter called with each new id after it is appended; true ends generation
     * @param stream   receives each piece's bytes as it is produced (may be null)
     */
    public static Result generate(LlamaModel model, Tokenizer tok, int[] prompt, int maxNew, Sampler sampler,
                                  int[] stopIds, IntPredicate stopAfter, Consumer<byte[]> stream) {
        int maxLen = model.config().maxSeqLen();
        if (prompt.length == 0) throw new IllegalArgumentException("generate: the prompt needs at least one token (BOS)");
        if (prompt.length > maxLen)
            throw new IllegalArgumentException("generate: prompt of " + prompt.length + " tokens exceeds max_seq_len " + maxLen);
        if (maxNew < 0) throw new IllegalArgumentException("--max-tokens must be >= 0, got " + maxNew);
        long t0 = System.nanoTime();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        int[] out = new int[maxNew];
        int n = 0, fed = 0;
        if (maxNew > 0 || prompt.length > 1) {
            int positions = (int) Math.min(maxLen, (long) prompt.length + Math.max(0, maxNew - 1));
            KvCache cache = model.newKvCache(Math.max(1, positions));
            int token = prompt[0];
            for (int pos = 0; pos < cache.capacity(); pos++) {
                float[] logits = model.forwardToken(token, pos, cache);
                fed++;
                boolean forced = pos + 1 < prompt.length;
                if (!forced && n == maxNew) break;
                int next = forced ? prompt[pos + 1] : sampler.sample(logits);
                if (!forced && contains(stopIds, next)) break;
                byte[] piece = tok.decodePieceBytes(token, next);
                text.writeBytes(piece);
                if (stream != null) stream.accept(piece);
                token = next;
                if (forced) continue;
                out[n++] = next;
                if (n == maxNew || (stopAfter != null && stopAfter.test(next))) break;
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Result(prompt.clone(), Arrays.copyOf(out, n), text.toString(StandardCharsets.UTF_8), secs, fed);
    }

    private static boolean contains(int[] ids, int id) {
        for (int x : ids) if (x == id) return true;
        return false;
    }
}
