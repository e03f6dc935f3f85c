package io.moe4j.data.corpus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStream;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Streams the records of one SlimPajama-style JSONL file, one line at a time, so no file is ever
 * held in memory. Each line is {@code {"text": ..., "meta": {"redpajama_set_name": ...}}}; the file
 * may be plain, gzip or zstd, told apart by its first bytes (not its name).
 *
 * <p>Malformed lines (including lines that are not valid UTF-8) follow the {@link MalformedPolicy}.
 * A broken container (a truncated or corrupt .gz or .zst) is always an error, whatever the policy,
 * because the rest of the file is lost.
 */
public final class DocumentReader implements Iterator<Document>, Closeable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final int BUF = 1 << 16;
    /** Marker for a line whose bytes are not UTF-8 (compared by identity). */
    private static final String INVALID_UTF8 = new String("<invalid UTF-8>");

    private final Path file;
    private final String fixedDomain;
    private final MalformedPolicy policy;
    private final MalformedReport report;
    private final CountingStream counter;
    private final LineReader lines;
    private long lineNo;
    private Document pending;
    private boolean eof;

    private DocumentReader(Path file, String fixedDomain, MalformedPolicy policy, MalformedReport report) throws IOException {
        this.file = file;
        this.fixedDomain = fixedDomain;
        this.policy = policy;
        this.report = report;
        this.counter = new CountingStream(Files.newInputStream(file));
        InputStream decoded;
        try {
            decoded = decompress(new BufferedInputStream(counter, BUF));
        } catch (IOException e) {
            counter.close();
            throw new CorpusFormatException("cannot open " + file + ": " + e.getMessage(), e);
        }
        this.lines = new LineReader(decoded);
    }

    /** Opens a corpus file; the domain is the file's folder domain, or per record from meta in a flat corpus. */
    public static DocumentReader open(CorpusFile f, MalformedPolicy policy, MalformedReport report) {
        return open(f.path(), f.domain(), policy, report);
    }

    /**
     * Opens a file.
     *
     * @param domain the domain of every record, or null to read {@code meta.redpajama_set_name} of each
     */
    public static DocumentReader open(Path file, String domain, MalformedPolicy policy, MalformedReport report) {
        try {
            return new DocumentReader(file, domain, policy, report);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open corpus file " + file, e);
        }
    }

    /** Bytes consumed from the file on disk (compressed), for progress bars. */
    public long bytesRead() {
        return counter.count;
    }

    /** Lines read so far. */
    public long linesRead() {
        return lineNo;
    }

    @Override
    public boolean hasNext() {
        while (pending == null && !eof) {
            String line = readLine();
            if (line == null) eof = true;
            else pending = parse(line);
        }
        return pending != null;
    }

    @Override
    public Document next() {
        if (!hasNext()) throw new NoSuchElementException("no more records in " + file);
        Document d = pending;
        pending = null;
        return d;
    }

    @Override
    public void close() {
        try {
            lines.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }

    private String readLine() {
        try {
            if (!lines.next()) return null;
            lineNo++;
            String s = new String(lines.buf, 0, lines.len, StandardCharsets.UTF_8);
            // new String() replaces bad bytes with U+FFFD silently; re-check strictly only then
            if (s.indexOf('\uFFFD') >= 0 && !validUtf8(lines.buf, lines.len)) return INVALID_UTF8;
            return s;
        } catch (EOFException | ZipException e) {
            throw new CorpusFormatException(file + ": truncated or corrupt gzip data after line " + lineNo
                    + " (" + e.getMessage() + "); re-download or re-compress the file", e);
        } catch (IOException e) {
            if (e.getClass().getName().startsWith("com.github.luben.zstd")) {
                throw new CorpusFormatException(file + ": truncated or corrupt zstd data after line " + lineNo
                        + " (" + e.getMessage() + "); re-download or re-compress the file", e);
            }
            throw new UncheckedIOException("cannot read " + file + " after line " + lineNo, e);
        }
    }

    /** The record of one line, or null when the line is skipped. */
    private Document parse(String line) {
        if (line == INVALID_UTF8) return malformed("invalid UTF-8");
        JsonNode root;
        try {
            root = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return malformed("not JSON (" + firstLine(e.getOriginalMessage()) + ")");
        }
        if (root == null || !root.isObject()) return malformed("not a JSON object");
        JsonNode text = root.get("text");
        if (text == null) return malformed("no \"text\" field");
        if (!text.isTextual()) return malformed("\"text\" is not a string but " + text.getNodeType());
        String domain = fixedDomain;
        if (domain == null) {
            JsonNode name = root.path("meta").path("redpajama_set_name");
            if (!name.isTextual() || name.asText().isEmpty()) return malformed("no string meta.redpajama_set_name");
            domain = name.asText();
        }
        return new Document(domain, text.asText(), file, lineNo);
    }

    private Document malformed(String reason) {
        if (policy == MalformedPolicy.FAIL) {
            throw new CorpusFormatException(file + ":" + lineNo + ": " + reason
                    + " (use the SKIP policy to skip and count such lines)");
        }
        report.record(file, lineNo, reason);
        return null;
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Picks gzip, zstd or plain from the magic bytes. */
    private static InputStream decompress(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] m = in.readNBytes(4);
        in.reset();
        if (m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b) return new GZIPInputStream(in, BUF);
        if (m.length == 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5 && (m[2] & 0xff) == 0x2f && (m[3] & 0xff) == 0xfd) {
            return new ZstdInputStream(in);
        }
        return in;
    }

    private static boolean validUtf8(byte[] b, int len) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, 0, len));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * Splits a byte stream at '\n' (dropping a trailing '\r'), so that each line is decoded on its
     * own and a bad line can be reported with its number and skipped.
     */
    private static final class LineReader implements Closeable {
        private final InputStream in;
        private final byte[] chunk = new byte[BUF];
        private int pos;
        private int lim;
        private boolean eof;
        byte[] buf = new byte[4096];
        int len;

        LineReader(InputStream in) {
            this.in = in;
        }

        /** Reads the next line into buf[0..len); false when the stream is exhausted. */
        boolean next() throws IOException {
            len = 0;
            boolean any = false;
            while (true) {
                if (pos == lim) {
                    if (eof) return any;
                    int n = in.read(chunk, 0, chunk.length);
                    if (n < 0) {
                        eof = true;
                        continue;
                    }
                    pos = 0;
                    lim = n;
                }
                any = true;
                int nl = pos;
                while (nl < lim && chunk[nl] != '\n') nl++;
                append(pos, nl - pos);
                boolean found = nl < lim;
                pos = found ? nl + 1 : lim;
                if (found) {
                    if (len > 0 && buf[len - 1] == '\r') len--;
                    return true;
                }
            }
        }

        private void append(int from, int n) {
            if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(len + n, 2 * buf.length));
            System.arraycopy(chunk, from, buf, len, n);
            len += n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Counts bytes read from the underlying file. */
    private static final class CountingStream extends FilterInputStream {
        volatile long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = super.skip(n);
            count += k;
            return k;
        }
    }
}
