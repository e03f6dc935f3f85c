package io.moe4j.data.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Appends the documents of one (split, domain) to a token file (uint16 or uint32, little-endian)
 * and an index of int64 document start offsets. Not thread-safe: {@link Prepare} writes from one
 * thread so the document order is the corpus order.
 */
final class TokenWriter implements AutoCloseable {
    private static final int BUF = 1 << 20;

    final String split;
    final String domain;
    final String tokensName;
    final String indexName;
    private final int tokenBytes;
    private final int vocab;
    private final FileChannel tokens;
    private final FileChannel index;
    private final ByteBuffer tokBuf = ByteBuffer.allocate(BUF).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer idxBuf = ByteBuffer.allocate(BUF).order(ByteOrder.LITTLE_ENDIAN);
    private final List<Manifest.FileRange> ranges = new ArrayList<>();
    private String rangePath;
    private long rangeFirst;
    private long documents;
    private long tokenCount;

    TokenWriter(Path dir, String split, String domain, String baseName, int tokenBytes, int vocab) throws IOException {
        this.split = split;
        this.domain = domain;
        this.tokensName = split + "/" + baseName + ".tok";
        this.indexName = split + "/" + baseName + ".idx";
        this.tokenBytes = tokenBytes;
        this.vocab = vocab;
        var opts = new StandardOpenOption[]{StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE};
        this.tokens = FileChannel.open(dir.resolve(tokensName), opts);
        this.index = FileChannel.open(dir.resolve(indexName), opts);
        putIndex(0L);
    }

    /** Appends one document from input file {@code source} (for the file-range table). */
    void write(int[] ids, String source, String where) throws IOException {
        if (!source.equals(rangePath)) {
            closeRange();
            rangePath = source;
            rangeFirst = documents;
        }
        int i = 0;
        while (i < ids.length) {
            if (tokBuf.remaining() < tokenBytes) flush(tokens, tokBuf);
            int end = Math.min(ids.length, i + tokBuf.remaining() / tokenBytes);
            for (; i < end; i++) {
                int id = ids[i];
                if (id < 0 || id >= vocab) {
                    throw new IllegalStateException("tokenizer returned id " + id + " outside [0, " + vocab + ") for " + where);
                }
                if (tokenBytes == 2) tokBuf.putShort((short) id);
                else tokBuf.putInt(id);
            }
        }
        tokenCount += ids.length;
        documents++;
        putIndex(tokenCount);
    }

    private void putIndex(long v) throws IOException {
        if (idxBuf.remaining() < 8) flush(index, idxBuf);
        idxBuf.putLong(v);
    }

    private void closeRange() {
        if (rangePath != null && documents > rangeFirst) {
            ranges.add(new Manifest.FileRange(rangePath, rangeFirst, documents - rangeFirst));
        }
    }

    private static void flush(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) ch.write(buf);
        buf.clear();
    }

    Manifest.DomainEntry entry() {
        return new Manifest.DomainEntry(split, domain, tokensName, indexName, documents, tokenCount, List.copyOf(ranges));
    }

    /** Flushes, fsyncs and closes both files; the ranges table is final afterwards. */
    @Override
    public void close() throws IOException {
        closeRange();
        rangePath = null;
        try (tokens; index) {
            flush(tokens, tokBuf);
            flush(index, idxBuf);
            tokens.force(true);
            index.force(true);
        }
    }
}
