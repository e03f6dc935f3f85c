package io.moe4j.data.cache;

import io.moe4j.data.ByteTokenizer;
import io.moe4j.data.TestData;
import io.moe4j.data.corpus.Split;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Prepares the whole shared corpus; document counts are checked against the table of PROVENANCE.md §3. */
class SharedCorpusTest {
    @TempDir
    Path tmp;

    /** train / validation documents per domain, typed in from shared/data/PROVENANCE.md §3. */
    private static final Map<String, long[]> PROVENANCE = Map.of(
            "RedPajamaWikipedia", new long[]{520, 62},
            "RedPajamaBook", new long[]{188, 112},
            "RedPajamaGithub", new long[]{616, 67},
            "RedPajamaArXiv", new long[]{17, 3},
            "RedPajamaCommonCrawl", new long[]{345, 29},
            "RedPajamaC4", new long[]{216, 17},
            "RedPajamaStackExchange", new long[]{2020, 241},
            "TinyStories", new long[]{174, 650});

    @Test
    void sharedCorpusMatchesItsProvenance() throws IOException {
        Path shared = TestData.shared();
        Assumptions.assumeTrue(shared != null, "moe4j.shared not set or shared/data/corpus missing");
        Path corpus = shared.resolve("data/corpus");
        Prepare.Result r = Prepare.run(corpus, new ByteTokenizer(), "bytes-v1", tmp.resolve("cache"), 2,
                Prepare.Progress.none(), Prepare.Options.defaults().withLog(s -> { }));
        assertEquals(0, r.malformed().count());
        try (TokenCache c = TokenCache.open(tmp.resolve("cache"))) {
            assertEquals(PROVENANCE.keySet(), new java.util.HashSet<>(c.domains(Split.TRAIN)));
            for (Map.Entry<String, long[]> e : PROVENANCE.entrySet()) {
                for (Split s : Split.values()) {
                    DomainTokens t = c.tokens(s, e.getKey());
                    assertEquals(e.getValue()[s.ordinal()], t.documents(), s + "/" + e.getKey());
                    long bytes = 0;
                    for (String text : TestData.texts(corpus.resolve(e.getKey()).resolve(s.dirName() + ".jsonl.gz"))) {
                        bytes += text.getBytes(StandardCharsets.UTF_8).length;
                    }
                    assertEquals(bytes, t.tokens(), "byte tokenizer: tokens = UTF-8 bytes, " + s + "/" + e.getKey());
                }
            }
        }
    }
}
