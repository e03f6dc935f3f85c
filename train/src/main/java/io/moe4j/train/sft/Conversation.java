package io.moe4j.train.sft;

import java.util.List;

/**
 * One instruction-tuning example: an optional system message and alternating user/assistant turns, starting with
 * the user and ending with the assistant.
 *
 * @param id     the source's id, or "#index" (for messages)
 * @param system system message, or null when the example has none
 * @param turns  user, assistant, user, assistant, ...
 */
public record Conversation(String id, String system, List<Turn> turns) {
    public enum Role { USER, ASSISTANT }

    public record Turn(Role role, String text) {}

    public Conversation {
        turns = List.copyOf(turns);
        if (turns.isEmpty() || turns.size() % 2 != 0)
            throw new IllegalArgumentException("conversation " + id + ": needs user/assistant pairs, got " + turns.size() + " turns");
        for (int i = 0; i < turns.size(); i++) {
            Role want = i % 2 == 0 ? Role.USER : Role.ASSISTANT;
            if (turns.get(i).role() != want)
                throw new IllegalArgumentException("conversation " + id + ": turn " + i + " is " + turns.get(i).role() + ", expected " + want);
        }
    }

    /** Number of user/assistant exchanges. */
    public int exchanges() {
        return turns.size() / 2;
    }
}
