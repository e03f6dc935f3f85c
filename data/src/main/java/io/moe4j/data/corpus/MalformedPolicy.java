package io.moe4j.data.corpus;

/**
 * What a reader does with a line that is not a usable record (not JSON, no string {@code text},
 * or, in a flat corpus, no {@code meta.redpajama_set_name}).
 */
public enum MalformedPolicy {
    /** Count the line in a {@link MalformedReport} and go on; callers print its summary. */
    SKIP,
    /** Throw {@link CorpusFormatException} naming the file and line. */
    FAIL
}
