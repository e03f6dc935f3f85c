package io.moe4j.data.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moe4j.data.corpus.Split;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code manifest.json} of a token cache: what it was made from (tokenizer hash, input file
 * sizes and mtimes) and what it holds (documents and tokens per domain and split). Replacing this
 * one file atomically is what publishes a new cache, see {@link Prepare}.
 *
 * @param format        always {@link #FORMAT}
 * @param version       format version, {@link #VERSION}
 * @param tokenizerHash caller-supplied identity of the tokenizer (e.g. sha256 of its file)
 * @param vocabSize     V; token ids are in [0, V)
 * @param bosId         BOS id of the tokenizer, -1 if none (BOS is added at packing time, not stored)
 * @param eosId         EOS id, -1 if none
 * @param tokenBytes    2 (uint16, V <= 65536) or 4 (uint32), little-endian
 * @param dataDir       folder under the cache directory holding the token files
 * @param layout        corpus layout it was read with (PER_DOMAIN or FLAT)
 * @param inputs        every input data file with size and mtime, sorted by path
 * @param domains       one entry per (split, domain)
 * @param skippedLines  malformed lines skipped while preparing
 */
public record Manifest(String format, int version, String tokenizerHash, int vocabSize, int bosId, int eosId,
                       int tokenBytes, String dataDir, String layout, List<InputFile> inputs,
                       List<DomainEntry> domains, long skippedLines) {

    public static final String FORMAT = "moe4j-token-cache";
    public static final int VERSION = 1;
    public static final String FILE_NAME = "manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** An input file as seen when the cache was made. */
    public record InputFile(String path, long size, long mtimeMillis) {
    }

    /**
     * The tokens of one domain in one split: {@code tokensFile} holds them back to back (no BOS/EOS),
     * {@code indexFile} holds documents+1 little-endian int64 token offsets.
     *
     * @param files where each input file's documents lie, so packing can shuffle files per epoch
     */
    public record DomainEntry(String split, String domain, String tokensFile, String indexFile,
                              long documents, long tokens, List<FileRange> files) {
        public Split splitEnum() {
            return Split.parse(split);
        }
    }

    /** Documents [firstDoc, firstDoc + documents) of a domain came from input file {@code path}. */
    public record FileRange(String path, long firstDoc, long documents) {
    }

    /** Reads {@code dir/manifest.json}, or returns null when there is none. */
    public static Manifest readIfPresent(Path dir) {
        Path f = dir.resolve(FILE_NAME);
        try {
            byte[] bytes = Files.readAllBytes(f);
            Manifest m = JSON.readValue(bytes, Manifest.class);
            if (!FORMAT.equals(m.format())) {
                throw new CacheMismatchException(f + ": not a moe4j token cache manifest (format '" + m.format() + "')");
            }
            if (m.version() != VERSION) {
                throw new CacheMismatchException(f + ": cache format version " + m.version() + ", this moe4j reads "
                        + VERSION + "; rebuild the cache");
            }
            return m;
        } catch (NoSuchFileException e) {
            return null;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new CacheMismatchException(f + ": unreadable manifest (" + e.getOriginalMessage() + "); rebuild the cache");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    /** The manifest as JSON text. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write manifest", e);
        }
    }

    /** The entry for (split, domain), or null. */
    public DomainEntry entry(Split split, String domain) {
        for (DomainEntry e : domains) if (e.splitEnum() == split && e.domain().equals(domain)) return e;
        return null;
    }

    /** Total tokens of a split. */
    public long tokens(Split split) {
        long t = 0;
        for (DomainEntry e : domains) if (e.splitEnum() == split) t += e.tokens();
        return t;
    }
}
