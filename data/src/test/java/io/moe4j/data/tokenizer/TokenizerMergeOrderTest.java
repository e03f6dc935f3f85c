package io.moe4j.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The O(n log n) heap merge against a literal transcription of llama2.c's O(n^2) {@code encode}
 * (scan every adjacent pair, merge the best score, leftmost on ties, repeat), on random text built
 * to exercise ties, long space runs, byte fallback and repeated patterns.
 */
class TokenizerMergeOrderTest {

    private static final String[] ALPHABET = {
        "a", "b", "ab", "e", "r", "t", "h", "the", " ", " ", "  ", "\n", "\t", ".", ",", "0", "7",
        "é", "e\u0301", "ß", "镇", "語", "🦙", "Ꙋ", "\u00a0", "Lily", "ing", "aaaa", "\u0000"};

    /** llama2.c's encode, written from run.c's description; pieces with real spaces. */
    static int[] llama2cReference(Llama2cTokenizer t, Map<String, Integer> lookup, String text) {
        List<Integer> tokens = new ArrayList<>();
        if (!text.isEmpty()) tokens.add(lookup.get(" "));
        text.codePoints().forEach(cp -> {
            String ch = new String(Character.toChars(cp));
            Integer id = lookup.get(ch);
            if (id != null) {
                tokens.add(id);
            } else {
                for (byte b : ch.getBytes(StandardCharsets.UTF_8)) tokens.add((b & 0xFF) + 3);
            }
        });
        while (true) {
            float best = -1e10f;
            int bestId = -1;
            int bestIdx = -1;
            for (int i = 0; i + 1 < tokens.size(); i++) {
                Integer id = lookup.get(t.vocabPiece(tokens.get(i)) + t.vocabPiece(tokens.get(i + 1)));
                if (id != null && t.score(id) > best) {
                    best = t.score(id);
                    bestId = id;
                    bestIdx = i;
                }
            }
            if (bestIdx < 0) break;
            tokens.set(bestIdx, bestId);
            tokens.remove(bestIdx + 1);
        }
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    /** llama2.c's sorted-vocab lookup; on duplicate pieces the lowest id wins. */
    private static Map<String, Integer> lookup(Llama2cTokenizer t) {
        Map<String, Integer> lookup = new HashMap<>();
        for (int id = t.vocabSize() - 1; id >= 0; id--) lookup.put(t.vocabPiece(id), id);
        return lookup;
    }

    private static String randomText(Random r, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) sb.append(ALPHABET[r.nextInt(ALPHABET.length)]);
        return sb.toString();
    }

    @Test
    void heapMergeEqualsNaiveGreedyOnLlama2Vocab() {
        Llama2cTokenizer t = Llama2cTokenizer.load(TokenizerFixtures.resource(TokenizerFixtures.LLAMA2_BIN));
        Map<String, Integer> lookup = lookup(t);
        Random r = new Random(42);
        for (int i = 0; i < 300; i++) {
            String text = randomText(r, 1 + r.nextInt(60));
            assertArrayEquals(llama2cReference(t, lookup, text), t.encode(text, false, false), text);
        }
    }

    @Test
    void heapMergeEqualsNaiveGreedyOnTinyVocab() {
        Llama2cTokenizer t = Llama2cTokenizer.load(TokenizerFixtures.resource(TokenizerFixtures.TOK512));
        Map<String, Integer> lookup = lookup(t);
        Random r = new Random(7);
        for (int i = 0; i < 300; i++) {
            String text = randomText(r, 1 + r.nextInt(80));
            assertArrayEquals(llama2cReference(t, lookup, text), t.encode(text, false, false), text);
        }
    }
}
