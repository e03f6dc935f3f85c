package io.moe4j.train.sft;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.data.tokenizer.Tokenizers;
import io.moe4j.train.MicroBatch;
import io.moe4j.train.TinyModels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SftEncoderTest {
    private static final int X = MicroBatch.IGNORE;
    // ids: 3 USER:, 4 hi, 5 ASSISTANT:, 6 hello, 7 there, 8 how, 9 are, 10 you, 11 fine, 12 bye, 13 now, 14 be, 15 kind
    private static final WordTokenizer WORDS = new WordTokenizer("USER:", "hi", "ASSISTANT:", "hello", "there", "how", "are", "you",
            "fine", "bye", "now", "be", "kind");

    private static Conversation threeTurns(String system) {
        return new Conversation("t", system, List.of(user("hi"), bot("hello there"), user("how are you"), bot("fine"), user("bye"),
                bot("bye now")));
    }

    private static Conversation.Turn user(String s) {
        return new Conversation.Turn(Conversation.Role.USER, s);
    }

    private static Conversation.Turn bot(String s) {
        return new Conversation.Turn(Conversation.Role.ASSISTANT, s);
    }

    @Test
    void vicunaThreeTurnsCarryLossOnExactlyTheRepliesAndTheirEos() {
        SftEncoder.Encoded e = new SftEncoder(WORDS, ChatTemplate.VICUNA, null, 100, SftEncoder.Overflow.TRUNCATE).encode(threeTurns(null));
        // <s> USER: hi ASSISTANT: hello there </s> USER: how are you ASSISTANT: fine </s> USER: bye ASSISTANT: bye now </s>
        assertArrayEquals(new int[] {1, 3, 4, 5, 6, 7, 2, 3, 8, 9, 10, 5, 11, 2, 3, 12, 5, 12, 13, 2}, e.tokens());
        assertArrayEquals(new int[] {1, 3, 4, 5, 6, 7, 2, 3, 8, 9, 10, 5, 11, 2, 3, 12, 5, 12, 13}, e.inputs());
        // each input position predicts the next token; only reply tokens and the EOS closing a reply are targets
        assertArrayEquals(new int[] {X, X, X, 6, 7, 2, X, X, X, X, X, 11, 2, X, X, X, 12, 13, 2}, e.targets());
        assertEquals(8, e.lossTokens());
        assertFalse(e.trained()[0], "BOS is masked");
    }

    @Test
    void theExamplesSystemTextPrecedesTheFirstUserTurnAndIsMasked() {
        WordTokenizer t = new WordTokenizer("USER:", "hi", "ASSISTANT:", "hello", "there", "how", "are", "you", "fine", "bye", "now", "be", "kind");
        SftEncoder.Encoded e = new SftEncoder(t, ChatTemplate.VICUNA, null, 100, SftEncoder.Overflow.TRUNCATE)
                .encode(new Conversation("s", "be kind", List.of(user("hi"), bot("fine"))));
        assertArrayEquals(new int[] {1, 14, 15, 3, 4, 5, 11, 2}, e.tokens());
        assertArrayEquals(new int[] {X, X, X, X, X, 11, 2}, e.targets());
    }

    @Test
    void plainTemplateHasNoRoleTags() {
        SftEncoder.Encoded e = new SftEncoder(WORDS, ChatTemplate.PLAIN, null, 100, SftEncoder.Overflow.TRUNCATE).encode(threeTurns(null));
        assertArrayEquals(new int[] {1, 4, 6, 7, 2, 8, 9, 10, 11, 2, 12, 12, 13, 2}, e.tokens());
        assertArrayEquals(new int[] {X, 6, 7, 2, X, X, X, 11, 2, X, 12, 13, 2}, e.targets());
    }

    @Test
    void longRowsAreTruncatedOrSplitAndCountedNeverSilentlyDropped() {
        List<Conversation> data = List.of(threeTurns(null), new Conversation("short", null, List.of(user("hi"), bot("fine"))));
        SftEncoder.Result cut = new SftEncoder(WORDS, ChatTemplate.VICUNA, null, 8, SftEncoder.Overflow.TRUNCATE).encodeAndCount(data);
        assertEquals(1, cut.stats().truncated());
        assertEquals(2, cut.rows().size());
        assertArrayEquals(new int[] {1, 3, 4, 5, 6, 7, 2, 3}, cut.rows().get(0).tokens());
        assertArrayEquals(new int[] {X, X, X, 6, 7, 2, X}, cut.rows().get(0).targets());

        SftEncoder.Result split = new SftEncoder(WORDS, ChatTemplate.VICUNA, null, 8, SftEncoder.Overflow.SPLIT).encodeAndCount(data);
        assertEquals(1, split.stats().split());
        // windows [0,8) [7,15) [14,20): overlapping by one token, so each of the 8 targets is predicted exactly once
        assertEquals(8 + 2, split.stats().lossTokens(), "three-turn targets plus the short example's two");
        assertArrayEquals(new int[] {3, 8, 9, 10, 5, 11, 2, 3}, split.rows().get(1).tokens());
        assertArrayEquals(new int[] {X, X, X, X, 11, 2, X}, split.rows().get(1).targets());
        assertEquals(0, split.stats().dropped());

        SftEncoder.Result tiny = new SftEncoder(WORDS, ChatTemplate.VICUNA, null, 3, SftEncoder.Overflow.TRUNCATE).encodeAndCount(data);
        assertEquals(2, tiny.stats().dropped(), "no reply token fits in 3 tokens: both examples dropped and counted");
        assertTrue(tiny.stats().describe(3).contains("2 rows dropped"));
    }

    @Test
    void withTheRealTokenizerTheLossRunsDecodeToTheReplies() {
        Tokenizer tok = Tokenizers.load(TinyModels.tok512());
        Conversation c = new Conversation("r", null, List.of(user("Who are you?"), bot("I am a small model."), user("Say hi."),
                bot("Hi!"), user("Bye."), bot("Goodbye, friend.")));
        SftEncoder.Encoded e = new SftEncoder(tok, ChatTemplate.VICUNA, null, 512, SftEncoder.Overflow.TRUNCATE).encode(c);
        int[] tg = e.targets();
        List<String> runs = new ArrayList<>();
        List<Integer> cur = new ArrayList<>();
        for (int i = 0; i <= tg.length; i++) {
            if (i < tg.length && tg[i] != X) {
                cur.add(tg[i]);
            } else if (!cur.isEmpty()) {
                int[] ids = cur.stream().mapToInt(Integer::intValue).toArray();
                assertEquals(tok.eosId(), ids[ids.length - 1], "each reply ends with EOS");
                runs.add(tok.decode(java.util.Arrays.copyOf(ids, ids.length - 1)).strip());
                cur.clear();
            }
        }
        assertEquals(List.of("I am a small model.", "Hi!", "Goodbye, friend."), runs);
        assertEquals("USER: Who are you? ASSISTANT: I am a small model. USER: Say hi. ASSISTANT: Hi! USER: Bye. ASSISTANT: Goodbye, friend.",
                tok.decode(e.tokens()).replaceAll("\\s+", " ").strip());
    }
}
