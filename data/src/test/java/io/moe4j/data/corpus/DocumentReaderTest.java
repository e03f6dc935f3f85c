package io.moe4j.data.corpus;

import com.github.luben.zstd.ZstdOutputStream;
import io.moe4j.data.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DocumentReaderTest {
    @TempDir
    Path tmp;

    private static final List<String> LINES = List.of(
            TestData.record("first doc\nwith a newline and \"quotes\"", "RedPajamaC4"),
            TestData.record("zweites Dokument: äöü €", "RedPajamaBook"),
            TestData.record("", "RedPajamaC4") + "\r",
            TestData.record("a real U+FFFD: \uFFFD", "RedPajamaC4"));

    private static List<Document> readAll(Path f, String domain, MalformedPolicy p, MalformedReport r) {
        List<Document> out = new ArrayList<>();
        try (DocumentReader dr = DocumentReader.open(f, domain, p, r)) {
            dr.forEachRemaining(out::add);
        }
        return out;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    private static byte[] plain(List<String> lines) {
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void plainGzipAndZstdGiveTheSameRecords() throws IOException {
        Path p = write("a.jsonl", plain(LINES));
        Path g = tmp.resolve("a.jsonl.gz");
        TestData.writeGz(g, LINES);
        Path z = tmp.resolve("a.jsonl.zst");
        try (OutputStream o = new ZstdOutputStream(Files.newOutputStream(z))) {
            o.write(plain(LINES));
        }
        for (Path f : List.of(p, g, z)) {
            MalformedReport r = new MalformedReport();
            List<Document> docs = readAll(f, null, MalformedPolicy.FAIL, r);
            assertEquals(4, docs.size(), f.toString());
            assertEquals("first doc\nwith a newline and \"quotes\"", docs.get(0).text());
            assertEquals("zweites Dokument: äöü €", docs.get(1).text());
            assertEquals("RedPajamaBook", docs.get(1).domain(), "flat read takes meta.redpajama_set_name");
            assertEquals("", docs.get(2).text());
            assertEquals(3, docs.get(2).line());
            assertEquals("a real U+FFFD: \uFFFD", docs.get(3).text(), "a genuine U+FFFD is not an encoding error");
        }
    }

    @Test
    void fixedDomainOverridesMeta() {
        Path f = TestData.tinyCorpus().resolve("RedPajamaGithub/train.jsonl.zst");
        List<Document> docs = readAll(f, "code", MalformedPolicy.FAIL, new MalformedReport());
        assertEquals(12, docs.size(), "zstd file made by the zstd CLI holds 12 records");
        assertTrue(docs.stream().allMatch(d -> d.domain().equals("code")));
    }

    @Test
    void malformedLinesAreCountedWithFileAndLineUnderSkip() throws IOException {
        Path f = write("bad.jsonl", plain(List.of(
                TestData.record("ok 1", "A"),
                "this is not json",
                "{\"meta\":{\"redpajama_set_name\":\"A\"}}",
                "{\"text\": 42}",
                "",
                "[1,2]",
                "{\"text\":\"no meta\"}",
                "{\"text\":\"x\"} trailing",
                TestData.record("ok 2", "A"))));
        MalformedReport r = new MalformedReport();
        List<Document> docs = readAll(f, null, MalformedPolicy.SKIP, r);
        assertEquals(List.of("ok 1", "ok 2"), docs.stream().map(Document::text).toList());
        assertEquals(9, docs.get(1).line());
        assertEquals(7, r.count());
        List<String> ex = r.examples();
        assertTrue(ex.get(0).startsWith(f + ":2: not JSON"), ex.get(0));
        assertTrue(ex.get(1).startsWith(f + ":3: no \"text\""), ex.get(1));
        assertTrue(ex.get(2).contains(":4: \"text\" is not a string"), ex.get(2));
        assertTrue(ex.get(5).contains(":7: no string meta.redpajama_set_name"), ex.get(5));
        assertTrue(r.summary().startsWith("skipped 7 malformed line(s) in 1 file(s)"), r.summary());
    }

    @Test
    void failPolicyNamesFileAndLine() throws IOException {
        Path f = write("bad.jsonl", plain(List.of(TestData.record("ok", "A"), "{\"title\":\"no text\"}")));
        CorpusFormatException e = assertThrows(CorpusFormatException.class,
                () -> readAll(f, "A", MalformedPolicy.FAIL, new MalformedReport()));
        assertEquals(f + ":2: no \"text\" field (use the SKIP policy to skip and count such lines)", e.getMessage());
    }

    @Test
    void truncatedGzipIsAnErrorNamingTheFile() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2000; i++) lines.add(TestData.record("document number " + i + " " + "x".repeat(i % 97), "A"));
        Path g = tmp.resolve("full.jsonl.gz");
        TestData.writeGz(g, lines);
        byte[] all = Files.readAllBytes(g);
        Path cut = write("cut.jsonl.gz", Arrays.copyOf(all, all.length / 2));
        for (MalformedPolicy p : MalformedPolicy.values()) {
            CorpusFormatException e = assertThrows(CorpusFormatException.class, () -> readAll(cut, "A", p, new MalformedReport()));
            assertTrue(e.getMessage().startsWith(cut + ": truncated or corrupt gzip data after line "), e.getMessage());
        }
    }

    @Test
    void truncatedZstdIsAnErrorNamingTheFile() throws IOException {
        byte[] all = Files.readAllBytes(TestData.tinyCorpus().resolve("RedPajamaGithub/train.jsonl.zst"));
        Path cut = write("cut.jsonl.zst", Arrays.copyOf(all, all.length - 100));
        CorpusFormatException e = assertThrows(CorpusFormatException.class,
                () -> readAll(cut, "A", MalformedPolicy.SKIP, new MalformedReport()));
        assertTrue(e.getMessage().startsWith(cut + ": truncated or corrupt zstd data"), e.getMessage());
    }

    @Test
    void invalidUtf8LineIsMalformedWithItsNumber() throws IOException {
        byte[] good = plain(List.of(TestData.record("ok", "A")));
        byte[] tail = "{\"text\":\"?\"}\n".getBytes(StandardCharsets.US_ASCII);
        tail[9] = (byte) 0xff; // a lone 0xff is never valid UTF-8
        byte[] bad = Arrays.copyOf(good, good.length + tail.length);
        System.arraycopy(tail, 0, bad, good.length, tail.length);
        Path f = write("bad-utf8.jsonl", bad);
        MalformedReport r = new MalformedReport();
        assertEquals(1, readAll(f, "A", MalformedPolicy.SKIP, r).size());
        assertEquals(List.of(f + ":2: invalid UTF-8"), r.examples());
        CorpusFormatException e = assertThrows(CorpusFormatException.class,
                () -> readAll(f, "A", MalformedPolicy.FAIL, new MalformedReport()));
        assertTrue(e.getMessage().startsWith(f + ":2: invalid UTF-8"), e.getMessage());
    }

    @Test
    void splitNames() {
        assertEquals(Split.TRAIN, Split.fromName("train.jsonl.gz"));
        assertEquals(Split.TRAIN, Split.fromName("example_train_0.jsonl.zst"));
        assertEquals(Split.VALIDATION, Split.fromName("validation.jsonl.gz"));
        assertEquals(Split.VALIDATION, Split.fromName("valid-00.jsonl"));
        assertNull(Split.fromName("test.jsonl"));
        assertNull(Split.fromName("trainer.jsonl"));
        assertNull(Split.fromName("train_val.jsonl"));
    }

    @Test
    void nothingToReadIsEmpty() throws IOException {
        Path f = write("empty.jsonl.gz", new byte[0]);
        assertEquals(List.of(), readAll(f, "A", MalformedPolicy.FAIL, new MalformedReport()));
    }
}
