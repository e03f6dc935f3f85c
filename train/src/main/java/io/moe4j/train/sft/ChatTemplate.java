package io.moe4j.train.sft;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a conversation becomes text, cut into segments that either carry loss (assistant replies and their
 * end-of-sequence token) or do not (system text, user turns, role tags).
 *
 * <p>{@link #VICUNA} is FastChat's vicuna_v1.1 (METHOD.md §6): {@code SYSTEM USER: u1 ASSISTANT: a1</s>USER: u2
 * ASSISTANT: a2</s>}, with an empty system message when the example has none (LLaMA-MoE's training quirk; at
 * inference the standard Vicuna sentence is used). {@link #PLAIN} has no system text and no role tags:
 * {@code u1 a1</s>u2 a2</s>}.
 *
 * <p>Each segment is tokenised on its own, so a reply never shares a token with the tag before it and the loss mask
 * falls exactly on token boundaries. The space between {@code ASSISTANT:} and the reply, and the one that would lead
 * an empty-system prompt, are left to the tokenizer's leading-space rule (SentencePiece's dummy prefix), which
 * produces them when the segment is encoded alone.
 */
public enum ChatTemplate {
    VICUNA, PLAIN;

    /** The Vicuna v1.1 system message used at inference (and in training with {@code --system vicuna}). */
    public static final String VICUNA_SYSTEM = "A chat between a curious user and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the user's questions.";

    /** A piece of text; {@code eos} appends the end-of-sequence token after it; {@code trained} marks loss. */
    public record Segment(String text, boolean trained, boolean eos) {}

    public static ChatTemplate parse(String s) {
        return switch (s == null ? "" : s.toLowerCase(Locale.ROOT)) {
            case "vicuna", "vicuna_v1.1", "vicuna-v1.1" -> VICUNA;
            case "plain" -> PLAIN;
            default -> throw new IllegalArgumentException("--template must be vicuna or plain, got '" + s + "'");
        };
    }

    /**
     * The segments of {@code c}.
     *
     * @param systemOverride system text used when the example has none (null: the empty string, as in training)
     */
    public List<Segment> render(Conversation c, String systemOverride) {
        List<Segment> out = new ArrayList<>();
        String system = c.system() != null ? c.system() : systemOverride == null ? "" : systemOverride;
        for (int i = 0; i < c.turns().size(); i += 2) {
            String user = c.turns().get(i).text(), reply = c.turns().get(i + 1).text();
            if (this == VICUNA) {
                String head = i == 0 && !system.isEmpty() ? system + " " : "";
                out.add(new Segment(head + "USER: " + user + " ASSISTANT:", false, false));
            } else {
                out.add(new Segment(user, false, false));
            }
            out.add(new Segment(reply, true, true));
        }
        return out;
    }
}
