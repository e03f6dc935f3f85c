package io.moe4j.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * llama2.c {@code tokenizer.bin}: the LLaMA-2 export must encode exactly as the SentencePiece
 * model does, and the 512-piece stories260K tokenizer must decode llama2.c's greedy output.
 */
class TokenizerLlama2cTest {

    private static final Llama2cTokenizer BIN =
            Llama2cTokenizer.load(TokenizerFixtures.resource(TokenizerFixtures.LLAMA2_BIN));
    private static final JsonNode CASES = TokenizerFixtures.json(TokenizerFixtures.LLAMA2_VECTORS).get("cases");

    @Test
    void headerAndVocabulary() {
        assertEquals(27, BIN.maxTokenLength());
        assertEquals(32000, BIN.vocabSize());
        assertEquals("\n<s>\n", BIN.vocabPiece(1));
        assertEquals(" the", BIN.vocabPiece(278));
    }

    @Test
    void sameIdsAsSentencePieceOracleOnAll65Cases() {
        for (JsonNode c : CASES) {
            String text = c.get("text").asText();
            assertArrayEquals(TokenizerFixtures.ints(c.get("ids_with_bos")), BIN.encode(text, true, false), text);
        }
    }

    @Test
    void sameIdsAsTokenizerModel() {
        Tokenizer model = Tokenizers.load(TokenizerFixtures.resource(TokenizerFixtures.LLAMA2_MODEL));
        for (JsonNode c : CASES) {
            String text = c.get("text").asText() + " | " + c.get("text").asText().toUpperCase();
            assertArrayEquals(model.encode(text, true, true), BIN.encode(text, true, true), text);
        }
    }

    @Test
    void decodeWithBosFollowsLlama2cRuleAndMatchesSentencePiece() {
        for (JsonNode c : CASES) {
            int[] ids = TokenizerFixtures.ints(c.get("ids_with_bos"));
            assertEquals(c.get("decoded").asText(), BIN.decode(ids), c.get("text").asText());
        }
    }

    @Test
    void bytePiecesAreRawBytes() {
        assertTrue(BIN.isBytePiece(13));
        assertEquals("\n", BIN.piece(13));
        assertEquals(" the", BIN.decodePiece(29871, 278));
        assertEquals("the", BIN.decodePiece(1, 278));
    }

    @Test
    void stories260KGreedyIdsDecodeToLlama2cOutput() {
        Tokenizer tok = Tokenizers.load(TokenizerFixtures.resource(TokenizerFixtures.TOK512));
        JsonNode g = TokenizerFixtures.json(TokenizerFixtures.STORIES_GREEDY);
        assertEquals(512, tok.vocabSize());
        int[] ids = TokenizerFixtures.ints(g.get("expected_token_ids_after_bos"));
        String expected = g.get("expected_text").asText();
        // As llama2.c's generate loop prints: decode(prev, next) starting from prev = BOS.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int prev = 1;
        for (int id : ids) {
            out.writeBytes(tok.decodePieceBytes(prev, id));
            prev = id;
        }
        assertEquals(expected, out.toString(StandardCharsets.UTF_8));
        int[] withBos = new int[ids.length + 1];
        withBos[0] = 1;
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        assertEquals(expected, tok.decode(withBos));
    }

    @Test
    void stories260KTextRoundTrips() {
        Tokenizer tok = Tokenizers.load(TokenizerFixtures.resource(TokenizerFixtures.TOK512));
        String text = TokenizerFixtures.json(TokenizerFixtures.STORIES_GREEDY).get("expected_text").asText();
        int[] ids = tok.encode(text, true, false);
        assertEquals(text, tok.decode(ids));
        // Canonical BPE is never longer than what the model sampled token by token.
        assertTrue(ids.length - 1 <= 200, "encoded length " + ids.length);
        assertEquals(1, ids[0]);
        assertTrue(Arrays.stream(ids).allMatch(i -> i >= 0 && i < 512));
    }
}
