package io.moe4j.data.cache;

import io.moe4j.data.corpus.Split;

import java.util.List;

/**
 * The tokens of one domain in one split, memory-mapped: a flat token array plus document offsets.
 * Tokens are stored without BOS/EOS; packing adds them. Thread-safe for reading.
 */
public final class DomainTokens {
    private final Split split;
    private final String domain;
    private final MappedArray tokens;
    private final MappedArray offsets;
    private final List<Manifest.FileRange> files;

    DomainTokens(Split split, String domain, MappedArray tokens, MappedArray offsets, List<Manifest.FileRange> files) {
        this.split = split;
        this.domain = domain;
        this.tokens = tokens;
        this.offsets = offsets;
        this.files = List.copyOf(files);
    }

    public Split split() {
        return split;
    }

    public String domain() {
        return domain;
    }

    public long documents() {
        return offsets.length() - 1;
    }

    public long tokens() {
        return tokens.length();
    }

    /** Which input file each document range came from, in cache order. */
    public List<Manifest.FileRange> files() {
        return files;
    }

    /** Offset of document {@code doc}'s first token in the token array. */
    public long docStart(long doc) {
        checkDoc(doc);
        return offsets.get(doc);
    }

    /** Number of tokens in document {@code doc}. */
    public int docLength(long doc) {
        checkDoc(doc);
        return (int) (offsets.get(doc + 1) - offsets.get(doc));
    }

    /** The tokens of one document (no BOS/EOS). */
    public int[] document(long doc) {
        int[] out = new int[docLength(doc)];
        tokens.copyInts(docStart(doc), out, 0, out.length);
        return out;
    }

    /** Token at absolute position {@code pos}. */
    public int token(long pos) {
        return (int) tokens.get(pos);
    }

    /** Copies tokens [pos, pos+len) into dst[off..]. */
    public void read(long pos, int[] dst, int off, int len) {
        tokens.copyInts(pos, dst, off, len);
    }

    private void checkDoc(long doc) {
        if (doc < 0 || doc >= documents()) {
            throw new IndexOutOfBoundsException("document " + doc + " of " + documents() + " in " + split.dirName() + "/" + domain);
        }
    }
}
