package io.moe4j.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Hugging Face tokenizer.json (Mistral-7B vocabulary, gzipped in the test resources) against
 * the 12 cases hard-coded in npm mistral-tokenizer-js's test suite.
 */
class TokenizerHfJsonTest {

    private static final Tokenizer TOK = Tokenizers.load(TokenizerFixtures.resource(TokenizerFixtures.MISTRAL_JSON));
    private static final JsonNode CASES = TokenizerFixtures.json(TokenizerFixtures.MISTRAL_VECTORS).get("cases");

    @Test
    void loadsVocabularyAndSpecialIdsFromConfig() {
        assertEquals(HfTokenizerJson.class, TOK.getClass());
        assertEquals(32000, TOK.vocabSize());
        assertEquals(1, TOK.bosId());
        assertEquals(2, TOK.eosId());
        assertEquals(12, CASES.size());
    }

    @Test
    void encodeMatchesMistralTokenizerJsOnAll12Cases() {
        for (JsonNode c : CASES) {
            String text = c.get("text").asText();
            assertArrayEquals(TokenizerFixtures.ints(c.get("ids_with_bos")), TOK.encode(text, true, false), text);
        }
    }

    @Test
    void decodeInvertsEncode() {
        for (JsonNode c : CASES) {
            String text = c.get("text").asText();
            assertEquals(text, TOK.decode(TOK.encode(text, true, true)), text);
        }
    }

    @Test
    void addedTokensInTextAreCutOutAsHfDoes() {
        int[] plain = TOK.encode("a b", false, false);
        int[] withEos = TOK.encode("a b</s>", false, false);
        assertEquals(plain.length + 1, withEos.length);
        assertEquals(2, withEos[withEos.length - 1]);
    }

    @Test
    void parseWithoutConfigFallsBackToAddedTokenNames() throws Exception {
        byte[] json = java.nio.file.Files.readAllBytes(TokenizerFixtures.resource(TokenizerFixtures.MISTRAL_JSON));
        json = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(json)).readAllBytes();
        Tokenizer t = HfTokenizerJson.parse(json, null, "mem");
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
    }

    @Test
    void minimalJsonWithMetaspacePreTokenizer() {
        String json = "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"<unk>\":0,\"\u2581\":1,\"a\":2,\"b\":3,"
                + "\"\u2581a\":4,\"ab\":5,\"\u2581ab\":6},\"merges\":[\"a b\",\"\u2581 a\",\"\u2581 ab\"],"
                + "\"unk_token\":\"<unk>\"},\"pre_tokenizer\":{\"type\":\"Metaspace\",\"replacement\":\"\u2581\","
                + "\"prepend_scheme\":\"always\",\"split\":true},"
                + "\"decoder\":{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"prepend_scheme\":\"always\"}}";
        Tokenizer t = HfTokenizerJson.parse(json.getBytes(StandardCharsets.UTF_8), null, "mini.json");
        // "ab ab" -> words "▁ab", "▁ab"; "a b" merges first (rank 0) then "▁ ab" (rank 2).
        assertArrayEquals(new int[] {6, 6}, t.encode("ab ab", false, false));
        assertArrayEquals(new int[] {4, 1, 0, 1, 3}, t.encode("a c b", false, false)); // c is unk
        assertEquals("ab ab", t.decode(new int[] {6, 6}));
        assertThrows(IllegalArgumentException.class, () -> t.encode("x", true, false));
    }
}
