package io.moe4j.data.sampling;

import io.moe4j.data.ByteTokenizer;
import io.moe4j.data.TestData;
import io.moe4j.data.cache.Prepare;
import io.moe4j.data.cache.TokenCache;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact resume: state saved after k batches and restored elsewhere gives bit-identical next batches. */
class ResumeTest {
    @TempDir
    static Path tmp;
    static Path cacheDir;

    @BeforeAll
    static void prepare() {
        cacheDir = TestData.tinyCache(tmp.resolve("cache"));
    }

    /** A dynamic loader that has served k batches and had one weight update. */
    private static BatchLoader advanced(TokenCache cache, int k) {
        LinkedHashMap<String, Double> w = DomainWeights.preset("dynamic-sheared");
        w.put("TinyStories", 0.05);
        DomainSampler s = new DomainSampler(w, 1227, DomainSampler.Dynamic.defaults());
        BatchLoader l = new BatchLoader(cache, s, BatchLoader.Options.of(4, 256).withBufferDocs(5));
        for (int i = 0; i < k; i++) {
            l.next();
            if (i == k / 2) {
                Map<String, Double> val = new LinkedHashMap<>();
                Map<String, Double> ref = new LinkedHashMap<>();
                for (String d : s.domains()) {
                    val.put(d, 1.0 + 0.1 * d.length());
                    ref.put(d, 2.0);
                }
                s.update(val, ref);
            }
        }
        return l;
    }

    @Test
    void restoredLoaderContinuesBitIdentically() throws IOException {
        try (TokenCache cache = TokenCache.open(cacheDir)) {
            BatchLoader a = advanced(cache, 37);
            byte[] state = a.saveState();
            byte[] expected = BatchTestSupport.run(a, 100);
            assertTrue(a.epochs().values().stream().anyMatch(e -> e > 0), "the 100 batches cross an epoch boundary: " + a.epochs());
            try (TokenCache fresh = TokenCache.open(cacheDir)) {
                BatchLoader b = BatchLoader.restore(fresh, state);
                assertEquals(37, b.batches());
                assertArrayEquals(expected, BatchTestSupport.run(b, 100));
            }
            // and a state saved after the resumed run matches the uninterrupted one
            BatchLoader c = BatchLoader.restore(cache, state);
            BatchTestSupport.run(c, 100);
            assertEquals(a.stateJson(), c.stateJson());
        }
    }

    @Test
    void uninterruptedRunIsReproducible() throws IOException {
        try (TokenCache cache = TokenCache.open(cacheDir)) {
            assertArrayEquals(BatchTestSupport.run(advanced(cache, 0), 50), BatchTestSupport.run(advanced(cache, 0), 50));
        }
    }

    @Test
    void restoredInAFreshJvmContinuesBitIdentically() throws Exception {
        byte[] expected;
        Path stateFile = tmp.resolve("state.json");
        try (TokenCache cache = TokenCache.open(cacheDir)) {
            BatchLoader a = advanced(cache, 23);
            Files.write(stateFile, a.saveState());
            expected = BatchTestSupport.run(a, 100);
        }
        Path out = tmp.resolve("child.bin");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp, ResumeMain.class.getName(), cacheDir.toString(), stateFile.toString(), out.toString(), "100"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM timed out");
        assertEquals(0, p.exitValue(), "child JVM failed: " + output);
        assertArrayEquals(expected, Files.readAllBytes(out));
        assertTrue(cp.contains(File.pathSeparator) || cp.endsWith(".jar"));
    }

    @Test
    void stateFromAnotherCacheIsRefused() {
        Path other = tmp.resolve("other");
        Prepare.run(TestData.tinyCorpus(), new ByteTokenizer(), "another-tokenizer", other, 1, Prepare.Progress.none(),
                Prepare.Options.defaults().withLog(s -> { }));
        try (TokenCache cache = TokenCache.open(cacheDir); TokenCache wrong = TokenCache.open(other)) {
            byte[] state = advanced(cache, 3).saveState();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchLoader.restore(wrong, state));
            assertTrue(e.getMessage().startsWith("loader state was saved against another token cache (tokenizer bytes-v1"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> BatchLoader.restore(cache, "{}".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void labelsAreInputsShiftedByOne() {
        try (TokenCache cache = TokenCache.open(cacheDir)) {
            BatchLoader l = advanced(cache, 0);
            for (int i = 0; i < 20; i++) {
                Batch b = l.next();
                for (int r = 0; r < b.batchSize(); r++) {
                    for (int t = 0; t + 1 < b.seqLen(); t++) assertEquals(b.inputs()[r][t + 1], b.labels()[r][t]);
                }
                assertEquals(4 * 256, b.flatInputs().length);
            }
        }
    }
}
