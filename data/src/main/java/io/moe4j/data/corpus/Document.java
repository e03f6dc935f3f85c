package io.moe4j.data.corpus;

import java.nio.file.Path;

/**
 * One corpus record.
 *
 * @param domain the folder name (per-domain layout) or {@code meta.redpajama_set_name} (flat layout)
 * @param text   the {@code text} field
 * @param file   the file it came from, for error messages
 * @param line   1-based line number in that file
 */
public record Document(String domain, String text, Path file, long line) {
}
