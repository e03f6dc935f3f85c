package io.moe4j.data.cache;

import io.moe4j.data.corpus.Split;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A prepared token cache opened for reading: every (split, domain) memory-mapped, so opening is
 * instant and reading a block costs a few microseconds. See {@link Prepare} for the layout.
 */
public final class TokenCache implements AutoCloseable {
    private final Path dir;
    private final Manifest manifest;
    private final Map<String, DomainTokens> streams = new LinkedHashMap<>();

    private TokenCache(Path dir, Manifest manifest) throws IOException {
        this.dir = dir;
        this.manifest = manifest;
        Path data = dir.resolve(manifest.dataDir());
        for (Manifest.DomainEntry e : manifest.domains()) {
            MappedArray toks = MappedArray.map(data.resolve(e.tokensFile()), manifest.tokenBytes(), e.tokens());
            MappedArray idx = MappedArray.map(data.resolve(e.indexFile()), 8, e.documents() + 1);
            streams.put(key(e.splitEnum(), e.domain()), new DomainTokens(e.splitEnum(), e.domain(), toks, idx, e.files()));
        }
    }

    /** Opens the cache in {@code dir} (its manifest.json and data folder). */
    public static TokenCache open(Path dir) {
        Manifest m = Manifest.readIfPresent(dir);
        if (m == null) {
            throw new CacheMismatchException("no token cache at " + dir + " (" + Manifest.FILE_NAME
                    + " missing); run `moe4j prepare` first");
        }
        try {
            return new TokenCache(dir, m);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CacheMismatchException("token cache " + dir + " is missing " + e.getFile() + "; rebuild it");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open token cache " + dir, e);
        }
    }

    /** Opens the cache and checks it was made with the tokenizer identified by {@code tokenizerHash}. */
    public static TokenCache open(Path dir, String tokenizerHash) {
        TokenCache c = open(dir);
        if (!c.manifest.tokenizerHash().equals(tokenizerHash)) {
            throw new CacheMismatchException("token cache " + dir + " was made with tokenizer " + c.manifest.tokenizerHash()
                    + " but the model uses " + tokenizerHash + "; re-run `moe4j prepare` with this tokenizer");
        }
        return c;
    }

    public Path dir() {
        return dir;
    }

    public Manifest manifest() {
        return manifest;
    }

    /** Domains present in a split, in manifest order (sorted by name at prepare time). */
    public List<String> domains(Split split) {
        List<String> out = new ArrayList<>();
        for (DomainTokens t : streams.values()) if (t.split() == split) out.add(t.domain());
        return out;
    }

    public boolean has(Split split, String domain) {
        return streams.containsKey(key(split, domain));
    }

    /** The tokens of one domain; a clear error lists the domains that exist. */
    public DomainTokens tokens(Split split, String domain) {
        DomainTokens t = streams.get(key(split, domain));
        if (t == null) {
            throw new IllegalArgumentException("token cache " + dir + " has no " + split.dirName() + " data for domain '"
                    + domain + "'; it has " + domains(split));
        }
        return t;
    }

    /** Mappings are released by the GC; closing only drops references. */
    @Override
    public void close() {
        streams.clear();
    }

    private static String key(Split s, String domain) {
        return s.dirName() + "/" + domain;
    }
}
