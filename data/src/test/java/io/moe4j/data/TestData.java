package io.moe4j.data;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/** Paths and small writers shared by the data tests. */
public final class TestData {
    private TestData() {
    }

    /** The per-domain test corpus under src/test/resources/corpus-tiny. */
    public static Path tinyCorpus() {
        try {
            return Path.of(TestData.class.getResource("/corpus-tiny").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Copies the tiny corpus into {@code dir} (for tests that damage or add files). */
    public static Path copyTinyCorpus(Path dir) throws IOException {
        Path src = tinyCorpus();
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path q = dir.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
        return dir;
    }

    /** Writes lines as a gzip file. */
    public static void writeGz(Path file, List<String> lines) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
            for (String l : lines) o.write((l + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A JSONL record with a text and a redpajama_set_name. */
    public static String record(String text, String domain) {
        return "{\"text\":" + quote(text) + ",\"meta\":{\"redpajama_set_name\":" + quote(domain) + "}}";
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /** Texts of a corpus file read with the JDK, zstd-jni and Jackson only (not through moe4j's readers). */
    public static List<String> texts(Path file) throws IOException {
        String name = file.getFileName().toString();
        java.io.InputStream in = Files.newInputStream(file);
        if (name.endsWith(".gz")) in = new java.util.zip.GZIPInputStream(in);
        else if (name.endsWith(".zst")) in = new com.github.luben.zstd.ZstdInputStream(in);
        List<String> out = new java.util.ArrayList<>();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) out.add(json.readTree(line).get("text").asText());
        }
        return out;
    }

    /** Prepares the tiny corpus with {@link ByteTokenizer} into {@code dir}, quietly. */
    public static Path tinyCache(Path dir) {
        io.moe4j.data.cache.Prepare.run(tinyCorpus(), new ByteTokenizer(), "bytes-v1", dir, 2,
                io.moe4j.data.cache.Prepare.Progress.none(), io.moe4j.data.cache.Prepare.Options.defaults().withLog(s -> { }));
        return dir;
    }

    /** The system property moe4j.shared as a path, or null when unset or missing. */
    public static Path shared() {
        String s = System.getProperty("moe4j.shared");
        if (s == null) return null;
        Path p = Path.of(s);
        return Files.isDirectory(p.resolve("data/corpus")) ? p : null;
    }
}
