package io.moe4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moe4j.data.corpus.Split;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which texts, under which domain names, perplexity and conversion read. */
class TextCorpusTest {
    @TempDir
    Path dir;

    static String line(String text, String domain) {
        return "{\"text\": \"" + text + "\"" + (domain == null ? "" : ", \"meta\": {\"redpajama_set_name\": \"" + domain + "\"}") + "}\n";
    }

    @Test
    void corpusDirectoryUsesTheValidationSplitPerDomainFolder() throws IOException {
        Files.createDirectories(dir.resolve("A"));
        Files.createDirectories(dir.resolve("B"));
        Files.writeString(dir.resolve("A/train.jsonl"), line("a-train", null));
        Files.writeString(dir.resolve("A/validation.jsonl"), line("a1", null) + line("a2", null) + line("a3", null));
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("B/validation.jsonl.gz")))) {
            o.write(line("b1", null).getBytes(StandardCharsets.UTF_8));
        }
        Map<String, List<String>> m = TextCorpus.read(dir, 2);
        assertEquals(Map.of("A", List.of("a1", "a2"), "B", List.of("b1")), m);
        assertEquals(List.of("a-train"), TextCorpus.read(dir, Split.TRAIN, 0).get("A"));
    }

    @Test
    void slimPajamaChunkIsSplitByMeta() throws IOException {
        Path f = dir.resolve("example_holdout_0.jsonl");
        Files.writeString(f, line("c", "RedPajamaC4") + line("w", "RedPajamaWikipedia") + line("c2", "RedPajamaC4"));
        assertEquals(Map.of("RedPajamaC4", List.of("c", "c2"), "RedPajamaWikipedia", List.of("w")), TextCorpus.read(f, 0));
    }

    @Test
    void plainTextFileIsOneDomainNamedAfterIt() throws IOException {
        Path f = dir.resolve("stories.jsonl");
        Files.writeString(f, line("x", null) + line("y", null));
        assertEquals(Map.of("stories", List.of("x", "y")), TextCorpus.read(f, 0));
    }

    @Test
    void missingDataAndMalformedLinesAreOneLineErrors() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextCorpus.read(dir.resolve("nope.jsonl"), 0));
        assertTrue(e.getMessage().startsWith("--data ") && e.getMessage().contains("no such file"), e.getMessage());
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, line("x", null) + "{\"text\": 3}\n");
        RuntimeException r = assertThrows(RuntimeException.class, () -> TextCorpus.read(f, 0));
        assertTrue(r.getMessage().contains("bad.jsonl:2"), r.getMessage());
    }
}
