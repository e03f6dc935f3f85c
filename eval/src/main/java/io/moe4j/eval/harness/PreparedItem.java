package io.moe4j.eval.harness;

import java.util.List;

/**
 * An item with its prompt built, before any model call: what the evaluator will send.
 *
 * @param doc        the item
 * @param context    the full prompt (description + few-shot examples + question); for
 *                   MULTIPLE_INPUT tasks the part shared by all options
 * @param choices    {@code doc_to_choice} strings (empty unless multiple choice/input)
 * @param gold       index of the right choice, or -1
 * @param references target strings: the continuation (LOGLIKELIHOOD), the text after the blank
 *                   (MULTIPLE_INPUT) or the accepted answers (GENERATE_UNTIL)
 * @param requests   log-likelihood requests, in choice order (empty for generation)
 */
public record PreparedItem(Doc doc, String context, List<String> choices, int gold, List<String> references,
                           List<LanguageModel.Request> requests) {
    public PreparedItem {
        choices = List.copyOf(choices);
        references = List.copyOf(references);
        requests = List.copyOf(requests);
    }
}
