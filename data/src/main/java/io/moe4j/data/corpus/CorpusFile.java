package io.moe4j.data.corpus;

import java.nio.file.Path;

/**
 * One data file of a corpus.
 *
 * @param path        absolute path
 * @param relPath     path relative to the corpus root, with '/' separators (stable across machines)
 * @param split       train or validation
 * @param domain      the domain folder name, or null in a flat corpus (domain read per record from
 *                    {@code meta.redpajama_set_name})
 * @param size        bytes on disk
 * @param mtimeMillis last-modified time, with {@code size} the cache's change detector
 */
public record CorpusFile(Path path, String relPath, Split split, String domain, long size, long mtimeMillis) {
}
