package io.moe4j.data.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moe4j.data.ByteTokenizer;
import io.moe4j.data.TestData;
import io.moe4j.data.corpus.CorpusFormatException;
import io.moe4j.data.corpus.MalformedPolicy;
import io.moe4j.data.corpus.Split;
import io.moe4j.data.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrepareTest {
    @TempDir
    Path tmp;

    private final List<String> log = new ArrayList<>();
    private final Prepare.Options opts = Prepare.Options.defaults().withLog(log::add);

    static List<String> texts(Path file) throws IOException {
        return TestData.texts(file);
    }

    private static Path fileOf(Path corpus, String domain, Split split) throws IOException {
        try (Stream<Path> s = Files.list(corpus.resolve(domain))) {
            return s.filter(p -> p.getFileName().toString().startsWith(split.dirName())).findFirst().orElseThrow();
        }
    }

    @Test
    void cacheHoldsExactlyTheTokenizedDocuments() throws IOException {
        Path corpus = TestData.tinyCorpus();
        Tokenizer tok = new ByteTokenizer();
        Prepare.Result r = Prepare.run(corpus, tok, "bytes-v1", tmp.resolve("cache"), 2, Prepare.Progress.none(), opts);
        assertFalse(r.upToDate());
        try (TokenCache c = TokenCache.open(tmp.resolve("cache"), "bytes-v1")) {
            assertEquals(2, c.manifest().tokenBytes());
            assertEquals(8, c.domains(Split.TRAIN).size());
            long total = 0;
            for (Split split : Split.values()) {
                for (String d : c.domains(split)) {
                    List<String> expected = texts(fileOf(corpus, d, split));
                    DomainTokens t = c.tokens(split, d);
                    assertEquals(expected.size(), t.documents(), split + "/" + d);
                    long n = 0;
                    for (int i = 0; i < expected.size(); i++) {
                        byte[] utf8 = expected.get(i).getBytes(StandardCharsets.UTF_8);
                        int[] ids = new int[utf8.length];
                        for (int k = 0; k < utf8.length; k++) ids[k] = (utf8[k] & 0xff) + 3;
                        assertArrayEquals(ids, t.document(i), split + "/" + d + " doc " + i);
                        n += utf8.length;
                    }
                    assertEquals(n, t.tokens());
                    assertEquals(n, c.manifest().entry(split, d).tokens());
                    total += n;
                }
            }
            assertEquals(total, r.tokens());
            assertEquals(8 * 16 - 1, r.documents(), "12 + 4 per domain, but RedPajamaArXiv has only 3 validation documents");
        }
    }

    @Test
    void manifestRecordsTokenizerInputsAndCounts() throws IOException {
        Path out = tmp.resolve("cache");
        Prepare.run(TestData.tinyCorpus(), new ByteTokenizer(), "bytes-v1", out, 1, Prepare.Progress.none(), opts);
        JsonNode m = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
        assertEquals("bytes-v1", m.get("tokenizerHash").asText());
        assertEquals(259, m.get("vocabSize").asInt());
        assertEquals(16, m.get("inputs").size());
        JsonNode in0 = m.get("inputs").get(0);
        Path f0 = TestData.tinyCorpus().resolve(in0.get("path").asText());
        assertEquals(Files.size(f0), in0.get("size").asLong());
        assertEquals(Files.getLastModifiedTime(f0).toMillis(), in0.get("mtimeMillis").asLong());
        JsonNode e = m.get("domains").get(0);
        assertEquals("train", e.get("split").asText());
        assertEquals("RedPajamaArXiv", e.get("domain").asText());
        assertEquals(12, e.get("documents").asLong());
    }

    @Test
    void rerunOnUnchangedInputIsANoOpAndChangedInputRebuilds() throws IOException {
        Path corpus = TestData.copyTinyCorpus(tmp.resolve("corpus"));
        Path out = tmp.resolve("cache");
        Prepare.Result first = Prepare.run(corpus, new ByteTokenizer(), "h", out, 2, Prepare.Progress.none(), opts);
        byte[] manifest = Files.readAllBytes(out.resolve("manifest.json"));
        Prepare.Result again = Prepare.run(corpus, new ByteTokenizer(), "h", out, 2, Prepare.Progress.none(), opts);
        assertTrue(again.upToDate());
        assertArrayEquals(manifest, Files.readAllBytes(out.resolve("manifest.json")));
        assertEquals(first.tokens(), again.tokens());

        Path f = corpus.resolve("TinyStories/train.jsonl.gz");
        Files.setLastModifiedTime(f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 5000));
        Prepare.Result third = Prepare.run(corpus, new ByteTokenizer(), "h", out, 2, Prepare.Progress.none(), opts);
        assertFalse(third.upToDate());
        assertTrue(log.stream().anyMatch(s -> s.contains("input files changed")), log.toString());
        assertEquals(first.tokens(), third.tokens());
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(1, s.filter(p -> p.getFileName().toString().startsWith("data-")).count(), "old data folder removed");
        }
    }

    @Test
    void otherTokenizerIsAClearErrorUnlessRebuildIsAsked() throws IOException {
        Path out = tmp.resolve("cache");
        Path corpus = TestData.tinyCorpus();
        Prepare.run(corpus, new ByteTokenizer(), "tok-A", out, 1, Prepare.Progress.none(), opts);
        CacheMismatchException e = assertThrows(CacheMismatchException.class,
                () -> Prepare.run(corpus, new ByteTokenizer(), "tok-B", out, 1, Prepare.Progress.none(), opts));
        assertEquals("token cache " + out + " was made with tokenizer tok-A, not tok-B; choose another output folder "
                + "or rebuild it (--rebuild)", e.getMessage());
        CacheMismatchException e2 = assertThrows(CacheMismatchException.class, () -> TokenCache.open(out, "tok-B"));
        assertTrue(e2.getMessage().contains("made with tokenizer tok-A but the model uses tok-B"), e2.getMessage());
        try (TokenCache c = TokenCache.open(out, "tok-A")) {
            assertEquals(12, c.tokens(Split.TRAIN, "RedPajamaC4").documents(), "the refused run left the cache intact");
        }
        Prepare.Result r = Prepare.run(corpus, new ByteTokenizer(), "tok-B", out, 1, Prepare.Progress.none(), opts.withRebuild(true));
        assertFalse(r.upToDate());
        assertEquals("tok-B", TokenCache.open(out).manifest().tokenizerHash());
    }

    @Test
    void failedRunKeepsThePreviousCacheAndLeavesNoTemporaryFiles() throws IOException {
        Path corpus = TestData.copyTinyCorpus(tmp.resolve("corpus"));
        Path out = tmp.resolve("cache");
        Prepare.run(corpus, new ByteTokenizer(), "h", out, 2, Prepare.Progress.none(), opts);
        byte[] manifest = Files.readAllBytes(out.resolve("manifest.json"));
        int[] before = TokenCache.open(out).tokens(Split.TRAIN, "RedPajamaBook").document(3);

        // a truncated .gz appears in the corpus: the run must fail, naming it, and change nothing
        Path gz = corpus.resolve("RedPajamaC4/train.jsonl.gz");
        byte[] all = Files.readAllBytes(gz);
        Files.write(gz, Arrays.copyOf(all, all.length / 2));
        CorpusFormatException e = assertThrows(CorpusFormatException.class,
                () -> Prepare.run(corpus, new ByteTokenizer(), "h", out, 2, Prepare.Progress.none(), opts));
        assertTrue(e.getMessage().startsWith(gz + ": truncated or corrupt gzip data"), e.getMessage());
        assertArrayEquals(manifest, Files.readAllBytes(out.resolve("manifest.json")));
        assertArrayEquals(before, TokenCache.open(out).tokens(Split.TRAIN, "RedPajamaBook").document(3));
        try (Stream<Path> s = Files.list(out)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(3, names.size(), names.toString()); // .lock, data-<id>, manifest.json
            assertTrue(names.stream().noneMatch(n -> n.endsWith(".tmp")), names.toString());
        }
    }

    @Test
    void tokenizerFailureNamesTheDocument() throws IOException {
        Path corpus = TestData.copyTinyCorpus(tmp.resolve("corpus"));
        Tokenizer broken = new ByteTokenizer() {
            @Override
            public int[] encode(String text, boolean addBos, boolean addEos) {
                if (text.contains("Lamb on Wheels")) throw new IllegalArgumentException("boom");
                return super.encode(text, addBos, addEos);
            }
        };
        Path out = tmp.resolve("cache");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Prepare.run(corpus, broken, "h", out, 2, Prepare.Progress.none(), opts));
        assertTrue(e.getMessage().matches("tokenizer failed on .*RedPajamaBook/train.jsonl.gz:\\d+: .*boom"), e.getMessage());
        assertFalse(Files.exists(out.resolve("manifest.json")));
    }

    @Test
    void malformedLinesAreSkippedAndReportedOrFail() throws IOException {
        Path corpus = TestData.copyTinyCorpus(tmp.resolve("corpus"));
        Path bad = corpus.resolve("RedPajamaArXiv/train.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(bad));
        lines.add(3, "not json at all");
        lines.add(5, "{\"meta\":{\"redpajama_set_name\":\"RedPajamaArXiv\"}}");
        Files.write(bad, lines);
        Prepare.Result r = Prepare.run(corpus, new ByteTokenizer(), "h", tmp.resolve("c1"), 2, Prepare.Progress.none(), opts);
        assertEquals(2, r.malformed().count());
        assertEquals(2, r.manifest().skippedLines());
        assertEquals(12, r.manifest().entry(Split.TRAIN, "RedPajamaArXiv").documents());
        assertTrue(log.stream().anyMatch(s -> s.startsWith("WARNING: skipped 2 malformed line(s)") && s.contains(bad + ":4: not JSON")
                && s.contains(bad + ":6: no \"text\" field")), log.toString());
        CorpusFormatException e = assertThrows(CorpusFormatException.class, () -> Prepare.run(corpus, new ByteTokenizer(), "h",
                tmp.resolve("c2"), 2, Prepare.Progress.none(), opts.withPolicy(MalformedPolicy.FAIL)));
        assertTrue(e.getMessage().startsWith(bad + ":4: not JSON"), e.getMessage());
    }

    @Test
    void emptyDomainIsWarnedAndKeptWithZeroDocuments() throws IOException {
        Path corpus = TestData.copyTinyCorpus(tmp.resolve("corpus"));
        TestData.writeGz(corpus.resolve("Empty/train.jsonl.gz"), List.of());
        Prepare.Result r = Prepare.run(corpus, new ByteTokenizer(), "h", tmp.resolve("cache"), 1, Prepare.Progress.none(), opts);
        assertEquals(0, r.manifest().entry(Split.TRAIN, "Empty").documents());
        assertTrue(log.contains("WARNING: domain 'Empty' has no train documents"), log.toString());
        try (TokenCache c = TokenCache.open(tmp.resolve("cache"))) {
            var sampler = new io.moe4j.data.sampling.DomainSampler(java.util.Map.of("Empty", 0.5, "RedPajamaC4", 0.5), 1, null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    new io.moe4j.data.sampling.BatchLoader(c, sampler, io.moe4j.data.sampling.BatchLoader.Options.of(2, 8)));
            assertEquals("domain 'Empty' has no train documents; give it weight 0 or add data", e.getMessage());
        }
    }

    @Test
    void resultDoesNotDependOnThreadCount() throws IOException {
        Path corpus = TestData.tinyCorpus();
        Prepare.Options small = opts;
        small = new Prepare.Options(small.policy(), false, 3, small.log()); // many small chunks
        Manifest m1 = Prepare.run(corpus, new ByteTokenizer(), "h", tmp.resolve("a"), 1, Prepare.Progress.none(), small).manifest();
        Manifest m4 = Prepare.run(corpus, new ByteTokenizer(), "h", tmp.resolve("b"), 4, Prepare.Progress.none(), small).manifest();
        assertEquals(m1.domains(), m4.domains());
        for (Manifest.DomainEntry e : m1.domains()) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(m1.dataDir()).resolve(e.tokensFile())),
                    Files.readAllBytes(tmp.resolve("b").resolve(m4.dataDir()).resolve(e.tokensFile())), e.domain());
        }
    }

    @Test
    void largeVocabularyUsesUint32() throws IOException {
        Tokenizer wide = new ByteTokenizer(65_400, 65_400 + 259);
        Prepare.Result r = Prepare.run(TestData.tinyCorpus(), wide, "wide", tmp.resolve("cache"), 2, Prepare.Progress.none(), opts);
        assertEquals(4, r.manifest().tokenBytes());
        try (TokenCache c = TokenCache.open(tmp.resolve("cache"))) {
            int[] doc = c.tokens(Split.TRAIN, "RedPajamaWikipedia").document(0);
            String text = texts(TestData.tinyCorpus().resolve("RedPajamaWikipedia/train.jsonl.gz")).get(0);
            assertArrayEquals(wide.encode(text, false, false), doc);
            assertTrue(Arrays.stream(doc).anyMatch(id -> id > 65535));
        }
    }

    @Test
    void flatCorpusTakesDomainsFromMeta() throws IOException {
        Path corpus = tmp.resolve("flat");
        TestData.writeGz(corpus.resolve("train/chunk1/example_train_0.jsonl.gz"), List.of(
                TestData.record("alpha", "RedPajamaC4"), TestData.record("beta", "RedPajamaBook"), TestData.record("gamma", "RedPajamaC4")));
        TestData.writeGz(corpus.resolve("train/chunk1/example_train_1.jsonl.gz"), List.of(TestData.record("delta", "RedPajamaC4")));
        TestData.writeGz(corpus.resolve("validation/chunk1/example_holdout_0.jsonl.gz"), List.of(TestData.record("eps", "RedPajamaBook")));
        Prepare.Result r = Prepare.run(corpus, new ByteTokenizer(), "h", tmp.resolve("cache"), 2, Prepare.Progress.none(), opts);
        try (TokenCache c = TokenCache.open(tmp.resolve("cache"))) {
            assertEquals(List.of("RedPajamaBook", "RedPajamaC4"), c.domains(Split.TRAIN));
            DomainTokens c4 = c.tokens(Split.TRAIN, "RedPajamaC4");
            assertEquals(3, c4.documents());
            assertEquals("delta", new ByteTokenizer().decode(c4.document(2)));
            assertEquals(List.of(new Manifest.FileRange("train/chunk1/example_train_0.jsonl.gz", 0, 2),
                    new Manifest.FileRange("train/chunk1/example_train_1.jsonl.gz", 2, 1)), c4.files());
            assertEquals(List.of("RedPajamaBook"), c.domains(Split.VALIDATION));
        }
        assertEquals(5, r.documents());
    }

    @Test
    void missingCacheAndDamagedCacheAreClearErrors() throws IOException {
        Path out = tmp.resolve("cache");
        CacheMismatchException e = assertThrows(CacheMismatchException.class, () -> TokenCache.open(out));
        assertEquals("no token cache at " + out + " (manifest.json missing); run `moe4j prepare` first", e.getMessage());
        Manifest m = Prepare.run(TestData.tinyCorpus(), new ByteTokenizer(), "h", out, 1, Prepare.Progress.none(), opts).manifest();
        Path tok = out.resolve(m.dataDir()).resolve(m.domains().get(0).tokensFile());
        Files.write(tok, new byte[10]);
        CacheMismatchException e2 = assertThrows(CacheMismatchException.class, () -> TokenCache.open(out));
        assertTrue(e2.getMessage().startsWith(tok + ": 10 bytes, the manifest expects"), e2.getMessage());
        // and prepare notices the damage and rebuilds
        assertFalse(Prepare.run(TestData.tinyCorpus(), new ByteTokenizer(), "h", out, 1, Prepare.Progress.none(), opts).upToDate());
        assertEquals(12, TokenCache.open(out).tokens(Split.TRAIN, "RedPajamaArXiv").documents());
    }
}
