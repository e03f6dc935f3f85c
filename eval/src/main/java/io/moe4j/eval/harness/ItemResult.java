package io.moe4j.eval.harness;

import java.util.List;
import java.util.Map;

/**
 * Everything about one scored item, written to JSON so any number can be audited by hand.
 *
 * @param task           task name
 * @param group          sub-task (MMLU subject) or ""
 * @param index          item index within its split/group
 * @param origin         "file:line"
 * @param prompt         the context sent to the model (see {@link PreparedItem#context()})
 * @param choices        the answer choices ({@code doc_to_choice})
 * @param continuations  the continuation of each log-likelihood request, in choice order. The
 *                       request contexts are not repeated (a 25-shot prompt is long): request i is
 *                       (prompt, continuations[i]), or (prompt + choices[i], continuations[i]) for
 *                       MULTIPLE_INPUT tasks
 * @param logLikelihoods one per request
 * @param greedy         one per request
 * @param gold           index of the right choice, or -1
 * @param predicted      argmax of the log-likelihoods, or -1
 * @param predictedNorm  argmax of the length-normalised log-likelihoods, or -1
 * @param generation     the post-processed generation (GENERATE_UNTIL), else null
 * @param references     accepted answers / targets
 * @param scores         per-item metric values (acc, acc_norm, exact_match, loglikelihood)
 */
public record ItemResult(
        String task,
        String group,
        int index,
        String origin,
        String prompt,
        List<String> choices,
        List<String> continuations,
        double[] logLikelihoods,
        boolean[] greedy,
        int gold,
        int predicted,
        int predictedNorm,
        String generation,
        List<String> references,
        Map<String, Double> scores) {}
