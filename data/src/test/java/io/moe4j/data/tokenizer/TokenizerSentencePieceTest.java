package io.moe4j.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * LLaMA-2 {@code tokenizer.model} against the 65 cases produced by python sentencepiece 0.1.97
 * (ids with BOS, pieces, decode of the ids without BOS).
 */
class TokenizerSentencePieceTest {

    private static final SentencePieceTokenizer TOK =
            SentencePieceTokenizer.load(TokenizerFixtures.resource(TokenizerFixtures.LLAMA2_MODEL));
    private static final JsonNode CASES = TokenizerFixtures.json(TokenizerFixtures.LLAMA2_VECTORS).get("cases");

    @Test
    void vocabularyAndSpecialIds() {
        assertEquals(32000, TOK.vocabSize());
        assertEquals(1, TOK.bosId());
        assertEquals(2, TOK.eosId());
        assertEquals("<0x0A>", TOK.vocabPiece(13));
        assertEquals(65, CASES.size());
    }

    @Test
    void encodeMatchesSentencePieceOnAll65Cases() {
        List<String> failures = new ArrayList<>();
        for (JsonNode c : CASES) {
            String text = c.get("text").asText();
            int[] expected = TokenizerFixtures.ints(c.get("ids_with_bos"));
            int[] got = TOK.encode(text, true, false);
            if (!Arrays.equals(expected, got)) {
                failures.add(text + " expected " + Arrays.toString(expected) + " got " + Arrays.toString(got));
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void piecesMatchSentencePiece() {
        for (JsonNode c : CASES) {
            List<String> expected = new ArrayList<>();
            c.get("pieces").forEach(p -> expected.add(p.asText()));
            assertEquals(expected, TOK.pieces(TOK.encode(c.get("text").asText(), false, false)), c.get("text").asText());
        }
    }

    @Test
    void decodeMatchesSentencePieceWithAndWithoutBos() {
        for (JsonNode c : CASES) {
            int[] withBos = TokenizerFixtures.ints(c.get("ids_with_bos"));
            int[] noBos = Arrays.copyOfRange(withBos, 1, withBos.length);
            String expected = c.get("decoded").asText();
            assertEquals(expected, TOK.decode(noBos), c.get("text").asText());
            assertEquals(expected, TOK.decode(withBos), c.get("text").asText());
        }
    }

    @Test
    void eosIsAppendedAndDroppedByDecode() {
        int[] ids = TOK.encode("Hello world", true, true);
        assertEquals(1, ids[0]);
        assertEquals(2, ids[ids.length - 1]);
        assertEquals("Hello world", TOK.decode(ids));
    }

    @Test
    void invalidByteRunsDecodeToOneReplacementPerByte() {
        // <0xE2> <0x96> is a truncated 3-byte sequence, then 'A' as a byte piece.
        int[] ids = {TOK.encode("x", false, false)[0], 0xE2 + 3, 0x96 + 3, 'A' + 3};
        assertEquals("x\uFFFD\uFFFDA", TOK.decode(ids));
    }

    @Test
    void streamingPiecesRebuildTheText() {
        String text = "Ünïcödé 🦙 and\nnew lines";
        int[] ids = TOK.encode(text, true, false);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 1; i < ids.length; i++) out.writeBytes(TOK.decodePieceBytes(ids[i - 1], ids[i]));
        assertEquals(text, out.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void outOfRangeIdIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TOK.decode(new int[] {32000}));
        assertEquals("token id 32000 out of range [0, 32000)", e.getMessage());
        assertArrayEquals(new int[] {1}, TOK.encode("", true, false));
    }
}
