package io.moe4j.train.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Reads instruction data: ShareGPT ({@code [{id, conversations: [{from, value}, ...]}]}, the Deita-6K format of
 * METHOD.md §6) or Alpaca ({@code [{instruction, input, output}]}, user text = instruction, plus a blank line and
 * the input when there is one).
 *
 * <p>ShareGPT roles: human/user, gpt/assistant/chatgpt/bard/bing, system (first position only). As in FastChat, a
 * conversation that opens with the assistant loses that turn, and a final unanswered user turn is dropped. Entries
 * that still do not alternate, or have no text, are skipped and counted in the warnings, never silently.
 */
public final class SftData {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SftData() {}

    public enum Format {
        SHAREGPT, ALPACA;

        public static Format parse(String s) {
            return switch (s == null ? "" : s.toLowerCase(Locale.ROOT)) {
                case "sharegpt" -> SHAREGPT;
                case "alpaca" -> ALPACA;
                default -> throw new IllegalArgumentException("--format must be sharegpt or alpaca, got '" + s + "'");
            };
        }
    }

    /** All usable conversations of {@code file}; problems with single entries go to {@code warn} (one summary line). */
    public static List<Conversation> read(Path file, Format format, Consumer<String> warn) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            if (!Files.exists(file)) throw new IllegalArgumentException("--data " + file + ": no such file");
            throw new IllegalArgumentException("--data " + file + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (root == null || !root.isArray())
            throw new IllegalArgumentException("--data " + file + ": expected a JSON array of " + format.name().toLowerCase(Locale.ROOT) + " examples");
        List<Conversation> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode e = root.get(i);
            try {
                out.add(format == Format.ALPACA ? alpaca(e, i) : shareGpt(e, i));
            } catch (IllegalArgumentException bad) {
                problems.add(bad.getMessage());
            }
        }
        if (!problems.isEmpty())
            warn.accept("WARNING: skipped " + problems.size() + " of " + root.size() + " examples in " + file + " (first: " + problems.get(0) + ")");
        if (out.isEmpty()) throw new IllegalArgumentException("--data " + file + ": no usable " + format.name().toLowerCase(Locale.ROOT) + " example");
        return out;
    }

    private static Conversation alpaca(JsonNode e, int i) {
        String instruction = text(e, "instruction", i), output = text(e, "output", i);
        String input = e.path("input").asText("");
        String user = input.isBlank() ? instruction : instruction + "\n\n" + input;
        return new Conversation("#" + i, null, List.of(new Conversation.Turn(Conversation.Role.USER, user),
                new Conversation.Turn(Conversation.Role.ASSISTANT, output)));
    }

    private static String text(JsonNode e, String field, int i) {
        JsonNode v = e.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) throw new IllegalArgumentException("example " + i + ": no '" + field + "' text");
        return v.asText();
    }

    private static Conversation shareGpt(JsonNode e, int i) {
        String id = e.hasNonNull("id") ? e.get("id").asText() : "#" + i;
        JsonNode conv = e.has("conversations") ? e.get("conversations") : e.get("messages");
        if (conv == null || !conv.isArray()) throw new IllegalArgumentException("example " + id + ": no 'conversations' array");
        String system = null;
        List<Conversation.Turn> turns = new ArrayList<>();
        for (int k = 0; k < conv.size(); k++) {
            JsonNode m = conv.get(k);
            String from = (m.has("from") ? m.path("from") : m.path("role")).asText("").toLowerCase(Locale.ROOT);
            String value = (m.has("value") ? m.path("value") : m.path("content")).asText("");
            switch (from) {
                case "system" -> {
                    if (k != 0) throw new IllegalArgumentException("example " + id + ": system message at turn " + k);
                    system = value;
                }
                case "human", "user" -> turns.add(new Conversation.Turn(Conversation.Role.USER, value));
                case "gpt", "assistant", "chatgpt", "bard", "bing" -> {
                    if (turns.isEmpty()) continue;  // FastChat: skip a first turn that is not from the user
                    turns.add(new Conversation.Turn(Conversation.Role.ASSISTANT, value));
                }
                default -> throw new IllegalArgumentException("example " + id + ": unknown role '" + from + "' at turn " + k);
            }
        }
        if (!turns.isEmpty() && turns.get(turns.size() - 1).role() == Conversation.Role.USER) turns.remove(turns.size() - 1);
        for (Conversation.Turn t : turns)
            if (t.text().isBlank()) throw new IllegalArgumentException("example " + id + ": empty " + t.role().name().toLowerCase(Locale.ROOT) + " turn");
        return new Conversation(id, system, turns);
    }
}
