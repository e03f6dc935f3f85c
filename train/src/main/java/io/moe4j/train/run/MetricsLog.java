package io.moe4j.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code metrics.jsonl}: one compact JSON object per line, each with an integer {@code step}. Lines are flushed as
 * they are written, so a killed run loses at most the line being written. Opening for a resumed run drops every
 * line after the checkpoint's step (and a torn last line): those steps are recomputed and must not appear twice.
 */
public final class MetricsLog implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final BufferedWriter out;

    private MetricsLog(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    /** Opens for appending after keeping only the lines with {@code step <= keepUpTo} (all others are removed). */
    public static MetricsLog open(Path file, int keepUpTo) {
        try {
            if (Files.exists(file)) {
                StringBuilder kept = new StringBuilder();
                for (JsonNode n : read(file)) {
                    if (n.path("step").asInt(Integer.MAX_VALUE) <= keepUpTo) kept.append(JSON.writeValueAsString(n)).append('\n');
                }
                RunDir.writeAtomically(file, kept.toString().getBytes(StandardCharsets.UTF_8));
            }
            return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics file " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** Appends one line and flushes it. */
    public void append(ObjectNode line) {
        try {
            out.write(JSON.writeValueAsString(line));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Every complete, parseable line of a metrics file, in order (a torn last line is skipped). */
    public static List<JsonNode> read(Path file) {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                try {
                    JsonNode n = JSON.readTree(line);
                    if (n != null && n.isObject() && n.has("step")) out.add(n);
                } catch (IOException torn) {
                    // the last line of a killed run may be cut short; it is recomputed on resume
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read metrics file " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close metrics file " + file, e);
        }
    }
}
