package io.moe4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * External oracle: stories260K's perplexity on the first 50 TinyStories validation documents,
 * computed by make_ppl_golden.py (numpy float64 forward and llama2.c's tokenizer, both written
 * independently in Python) for three (seq-len, stride) settings, two of them with overlapping
 * windows. Must agree to 4 significant digits; token ids and token counts must agree exactly.
 */
class PerplexityGoldenTest {
    static JsonNode golden;
    static List<String> texts;

    @BeforeAll
    static void load() throws IOException {
        golden = new ObjectMapper().readTree(Files.readString(Stories260K.golden("stories260K_ppl_golden.json")));
        texts = TextCorpus.read(Stories260K.golden("TinyStories/validation_first50.jsonl"), 0).values().iterator().next();
    }

    @Test
    void readsFiftyDocumentsOfOneDomainNamedAfterTheFolder() throws IOException {
        Map<String, List<String>> m = TextCorpus.read(Stories260K.golden("TinyStories/validation_first50.jsonl"), 0);
        assertEquals(List.of("TinyStories"), new ArrayList<>(m.keySet()));
        assertEquals(50, texts.size());
    }

    @Test
    void tokenIdsMatchThePythonTokenizer() {
        JsonNode ids = golden.get("token_ids");
        assertEquals(texts.size(), ids.size());
        for (int d = 0; d < texts.size(); d++) {
            int[] want = new int[ids.get(d).size()];
            for (int i = 0; i < want.length; i++) want[i] = ids.get(d).get(i).asInt();
            assertArrayEquals(want, Stories260K.tokenizer().encode(texts.get(d), true, false), "document " + d);
        }
    }

    @Test
    void perplexityMatchesTheIndependentComputation() {
        for (JsonNode r : golden.get("results")) {
            int t = r.get("seq_len").asInt(), s = r.get("stride").asInt();
            BatchScorer scorer = new BatchScorer(Stories260K.model(), 16);
            Perplexity.Result got = Perplexity.score(scorer, Stories260K.tokenizer(), "ts", texts, new Perplexity.Options(t, s));
            String where = "seq-len " + t + ", stride " + s;
            assertEquals(r.get("tokens").asLong(), got.tokens(), where);
            assertEquals(r.get("bytes").asLong(), got.bytes(), where);
            assertRel(r.get("perplexity").asDouble(), got.perplexity(), 5e-5, where + " perplexity");
            assertRel(r.get("nll_sum").asDouble(), got.nll(), 5e-5, where + " NLL sum");
            assertRel(r.get("bits_per_byte").asDouble(), got.bitsPerByte(), 5e-5, where + " bits/byte");
        }
    }

    @Test
    void batchingDoesNotChangeTheResult() {
        Perplexity.Options o = new Perplexity.Options(64, 48);
        List<String> few = texts.subList(0, 6);
        Perplexity.Result one = Perplexity.score(new BatchScorer(Stories260K.model(), 1), Stories260K.tokenizer(), "a", few, o);
        Perplexity.Result many = Perplexity.score(new BatchScorer(Stories260K.model(), 64), Stories260K.tokenizer(), "a", few, o);
        assertEquals(one.tokens(), many.tokens());
        assertRel(one.nll(), many.nll(), 1e-6, "NLL with batch 1 vs 64");
    }

    static void assertRel(double want, double got, double tol, String what) {
        assertTrue(Math.abs(got - want) <= tol * Math.abs(want), what + ": expected " + want + ", got " + got);
    }
}
