package io.moe4j.data.corpus;

import io.moe4j.data.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CorpusTest {
    @TempDir
    Path tmp;

    @Test
    void perDomainLayoutUsesFolderNames() {
        Corpus c = Corpus.scan(TestData.tinyCorpus());
        assertEquals(Corpus.Layout.PER_DOMAIN, c.layout());
        assertEquals(List.of("RedPajamaArXiv", "RedPajamaBook", "RedPajamaC4", "RedPajamaCommonCrawl", "RedPajamaGithub",
                "RedPajamaStackExchange", "RedPajamaWikipedia", "TinyStories"), c.folderDomains());
        assertEquals(16, c.files().size());
        CorpusFile f = c.files().get(0);
        assertEquals("RedPajamaArXiv/train.jsonl", f.relPath());
        assertEquals(Split.TRAIN, f.split());
        assertEquals("RedPajamaArXiv", f.domain());
        assertEquals(Split.VALIDATION, c.files().get(1).split());
    }

    @Test
    void flatLayoutHasNoFolderDomain() throws IOException {
        TestData.writeGz(tmp.resolve("train/chunk1/example_train_0.jsonl.gz"), List.of(TestData.record("a", "RedPajamaC4")));
        TestData.writeGz(tmp.resolve("validation/chunk1/example_holdout_0.jsonl.gz"), List.of(TestData.record("b", "RedPajamaC4")));
        Files.writeString(tmp.resolve("README.md"), "not data");
        Corpus c = Corpus.scan(tmp);
        assertEquals(Corpus.Layout.FLAT, c.layout());
        assertEquals(2, c.files().size());
        assertEquals(Split.TRAIN, c.files().get(0).split());
        assertEquals(Split.VALIDATION, c.files().get(1).split());
        assertNull(c.files().get(0).domain());
    }

    @Test
    void emptyDomainFolderIsAnError() throws IOException {
        TestData.writeGz(tmp.resolve("A/train.jsonl.gz"), List.of(TestData.record("a", "A")));
        Files.createDirectories(tmp.resolve("B"));
        CorpusFormatException e = assertThrows(CorpusFormatException.class, () -> Corpus.scan(tmp));
        assertTrue(e.getMessage().startsWith("domain folder " + tmp.toAbsolutePath().resolve("B") + " holds no data file"), e.getMessage());
    }

    @Test
    void unknownSplitIsWarnedAndMissingRootIsAnError() throws IOException {
        TestData.writeGz(tmp.resolve("A/train.jsonl.gz"), List.of(TestData.record("a", "A")));
        TestData.writeGz(tmp.resolve("A/test.jsonl.gz"), List.of(TestData.record("a", "A")));
        Corpus c = Corpus.scan(tmp);
        assertEquals(1, c.files().size());
        assertEquals(1, c.warnings().size());
        assertTrue(c.warnings().get(0).contains("test.jsonl.gz: cannot tell train from validation"), c.warnings().get(0));
        Path missing = tmp.resolve("nope");
        CorpusFormatException e = assertThrows(CorpusFormatException.class, () -> Corpus.scan(missing));
        assertEquals("corpus directory " + missing + " does not exist or is not a directory", e.getMessage());
    }
}
