package io.moe4j.eval.harness;

import java.util.List;
import java.util.Objects;

/**
 * The only door between the evaluation harness and a model. The harness builds prompts exactly
 * as EleutherAI lm-evaluation-harness (lm-eval) does; an implementation must score them exactly
 * as lm-eval's {@code HFLM} does, or our numbers will not mean the same as the published ones.
 *
 * <h2>Tokenizing a (context, continuation) pair — the rule an adapter must implement</h2>
 * This is lm-eval's {@code _encode_pair}; it matters because SentencePiece/BPE tokenizers merge
 * across the boundary (e.g. {@code "Answer:" + " yes"}), so encoding the two halves separately
 * gives different, unnatural tokens.
 * <ol>
 *   <li>Let {@code n} be the number of trailing whitespace characters of {@code context}
 *       (Python {@code str.rstrip()}, i.e. spaces, tabs, newlines). If {@code n > 0}, move them:
 *       {@code context' = context[0, len-n)}, {@code continuation' = context[len-n, len) + continuation}.</li>
 *   <li>{@code whole = encode(context' + continuation')}, {@code ctx = encode(context')};
 *       the continuation tokens are {@code whole[ctx.length ..]} and the context tokens are
 *       {@code ctx}. (The concatenated text is unchanged by step 1; only the split point moves.)</li>
 *   <li>No BOS is added (lm-eval's causal-LM default {@code add_bos_token=False}). If the context is
 *       the empty string, the context tokens are {@code [BOS]} and the continuation is encoded alone.</li>
 *   <li>If {@code ctx.length + cont.length > maxSeqLen}, keep the last {@code maxSeqLen + 1} tokens of
 *       {@code ctx ++ cont} and feed all but the last one (left truncation of the context).</li>
 * </ol>
 * Then {@code logProb} = sum over continuation tokens t_i of log softmax(logits at the position
 * that predicts t_i)[t_i], accumulated in double; {@code greedy} is true iff for every
 * continuation token the argmax of those logits (first index on ties) equals t_i.
 *
 * <h2>Generation</h2>
 * {@link #generateUntil} encodes the context with the same no-BOS rule, left-truncates it to
 * {@code maxSeqLen - maxTokens} tokens, decodes greedily (temperature 0) until EOS, until
 * {@code maxTokens} new tokens, or until the decoded new text contains one of {@code stops};
 * it returns the decoded new text only, cut just before the first occurrence of any stop string.
 * The harness cuts again defensively, so returning a little more is harmless.
 *
 * <p>Both methods are batched: implementations may reorder internally (e.g. sort by length)
 * but must return results in request order.
 */
public interface LanguageModel {

    /** One log-likelihood query: score {@code continuation} given {@code context}. */
    record Request(String context, String continuation) {
        public Request {
            Objects.requireNonNull(context, "context");
            Objects.requireNonNull(continuation, "continuation");
        }
    }

    /** Sum of continuation-token log-probabilities, and whether greedy decoding would produce it. */
    record LogLikelihood(double logProb, boolean greedy) {}

    /**
     * For each request: sum of log P(continuation tokens | context), and whether every
     * continuation token was the argmax (greedy). Same size and order as {@code requests}.
     */
    List<LogLikelihood> loglikelihood(List<Request> requests);

    /**
     * Greedy generation of up to {@code maxTokens} tokens per context, stopping at any of the
     * stop strings (which are cut off). Same size and order as {@code contexts}.
     */
    List<String> generateUntil(List<String> contexts, List<String> stops, int maxTokens);
}
