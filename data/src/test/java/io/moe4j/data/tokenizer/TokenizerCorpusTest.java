package io.moe4j.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real corpus text from /work/shared (skipped when absent): tokenizer.bin and tokenizer.model
 * agree on every document of several domains, decode inverts encode, and (slow) single-thread
 * encode throughput on a few MB of Wikipedia.
 */
class TokenizerCorpusTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The "text" fields of a corpus jsonl.gz, up to maxChars in total. */
    static List<String> docs(String domain, long maxChars) throws IOException {
        Path shared = TokenizerFixtures.shared();
        assumeTrue(shared != null, "moe4j.shared not set or missing");
        Path file = shared.resolve("corpus").resolve(domain).resolve("train.jsonl.gz");
        assumeTrue(Files.isRegularFile(file), file + " missing");
        List<String> out = new ArrayList<>();
        long total = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            for (String line; total < maxChars && (line = r.readLine()) != null; ) {
                String text = JSON.readTree(line).path("text").asText();
                out.add(text);
                total += text.length();
            }
        }
        return out;
    }

    @Test
    void binAndModelAgreeOnRealText() throws IOException {
        Tokenizer model = Tokenizers.load(TokenizerFixtures.resource(TokenizerFixtures.LLAMA2_MODEL));
        Tokenizer bin = Tokenizers.load(TokenizerFixtures.resource(TokenizerFixtures.LLAMA2_BIN));
        for (String domain : new String[] {"RedPajamaWikipedia", "RedPajamaGithub", "RedPajamaArXiv", "TinyStories"}) {
            for (String doc : docs(domain, 150_000)) {
                int[] ids = model.encode(doc, true, false);
                assertArrayEquals(ids, bin.encode(doc, true, false), domain);
                assertEquals(doc, bin.decode(ids), domain);
            }
        }
    }

    @Test
    void wordCutEqualsWholeStringMerge() throws IOException {
        SentencePieceTokenizer model =
                SentencePieceTokenizer.load(TokenizerFixtures.resource(TokenizerFixtures.LLAMA2_MODEL));
        assertTrue(model.bpe().cutsWords());
        for (String domain : new String[] {"RedPajamaWikipedia", "RedPajamaStackExchange", "RedPajamaC4"}) {
            for (String doc : docs(domain, 150_000)) {
                assertArrayEquals(model.bpe().encodeWithoutWordCut(doc), model.encode(doc, false, false), domain);
            }
        }
    }

    @Test
    void hfWordCutEqualsWholeStringMerge() throws IOException {
        HfTokenizerJson hf = (HfTokenizerJson) Tokenizers.load(TokenizerFixtures.resource(TokenizerFixtures.MISTRAL_JSON));
        assertTrue(hf.cutsWords());
        for (String domain : new String[] {"RedPajamaWikipedia", "RedPajamaGithub", "RedPajamaBook"}) {
            for (String doc : docs(domain, 150_000)) {
                assertArrayEquals(hf.encodeWithoutWordCut(doc), hf.encode(doc, false, false), domain);
            }
        }
    }

    /**
     * Single-thread encode throughput. Reports thread CPU time as well as wall time because the
     * build machine is shared: under load, wall time mostly measures the other processes.
     */
    @Tag("slow")
    @Test
    void encodeThroughput() throws IOException {
        List<String> docs = docs("RedPajamaWikipedia", 4_000_000);
        long chars = docs.stream().mapToLong(String::length).sum();
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (String name : new String[] {TokenizerFixtures.LLAMA2_MODEL, TokenizerFixtures.LLAMA2_BIN,
                                         TokenizerFixtures.MISTRAL_JSON}) {
            Tokenizers.load(TokenizerFixtures.resource(name)).encode(String.join("\n", docs), false, false); // JIT
            // Cold: a fresh tokenizer (empty word cache). Warm: best of 3 more passes.
            Tokenizer tok = Tokenizers.load(TokenizerFixtures.resource(name));
            for (int rep = 0; rep < 4; rep++) {
                long w0 = System.nanoTime();
                long c0 = mx.getCurrentThreadCpuTime();
                long tokens = 0;
                for (String d : docs) tokens += tok.encode(d, false, false).length;
                double cpu = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
                double wall = (System.nanoTime() - w0) / 1e9;
                System.out.printf("encode %-27s %s %,d chars -> %,d tokens: cpu %.3f s = %,.0f tok/s, wall %.3f s = %,.0f tok/s%n",
                        name, rep == 0 ? "cold" : "warm", chars, tokens, cpu, tokens / cpu, wall, tokens / wall);
            }
        }
    }
}
