package io.moe4j.data.cache;

import io.moe4j.data.ProgressBar;
import io.moe4j.data.corpus.Corpus;
import io.moe4j.data.corpus.CorpusFile;
import io.moe4j.data.corpus.Document;
import io.moe4j.data.corpus.DocumentReader;
import io.moe4j.data.corpus.MalformedPolicy;
import io.moe4j.data.corpus.MalformedReport;
import io.moe4j.data.corpus.Split;
import io.moe4j.data.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Tokenize-once cache: reads a corpus ({@link Corpus}) and writes, for every (split, domain), a
 * flat token file (uint16 when V <= 65536, else uint32) and an index of document offsets, plus a
 * {@code manifest.json}. Training then memory-maps it ({@link TokenCache}) instead of tokenizing
 * again every epoch and every run.
 *
 * <p>Cache directory layout: {@code manifest.json} names the current data folder
 * {@code data-<id>/{train,validation}/NNN-<domain>.{tok,idx}}. A run builds a new folder
 * {@code data-<id>.tmp}, renames it when complete, then replaces {@code manifest.json} by an atomic
 * rename, and only then deletes the previous folder. A crash at any point leaves the previous
 * cache readable; leftovers are removed by the next run.
 *
 * <p>Re-running on unchanged input (same paths, sizes, mtimes) with the same tokenizer hash does
 * nothing. A cache made with another tokenizer is an error unless {@link Options#rebuild()} is set.
 *
 * <p>Work is parallel over chunks of documents: one thread reads and decompresses files in order,
 * {@code threads} workers tokenize chunks, and the reader thread writes finished chunks in
 * submission order, so the output is identical for any thread count. The tokenizer's
 * {@code encode} must therefore be safe to call from several threads (or pass threads = 1).
 */
public final class Prepare {
    private static final int CHUNK_CHARS = 4 << 20;
    /** Names of data folders this class creates (and may delete); nothing else in the cache folder is touched. */
    private static final java.util.regex.Pattern DATA_DIR = java.util.regex.Pattern.compile("data-[0-9a-f]+-[0-9a-f]+(\\.tmp)?");

    private Prepare() {
    }

    /** Progress callback, called from the reading thread after each chunk is queued. */
    @FunctionalInterface
    public interface Progress {
        /** @param bytesDone input bytes read so far (compressed size, as on disk) of {@code bytesTotal} */
        void update(long bytesDone, long bytesTotal, long documents, long tokens);

        /** Called once when the run ends, successfully or not. */
        default void done() {
        }

        static Progress none() {
            return (a, b, c, d) -> { };
        }

        /** A {@link ProgressBar} on stderr over input bytes, with documents and tokens as suffix. */
        static Progress bar() {
            return new Progress() {
                private ProgressBar bar;

                @Override
                public void update(long bytesDone, long bytesTotal, long documents, long tokens) {
                    if (bar == null) bar = new ProgressBar("prepare", bytesTotal, "B");
                    bar.suffix(ProgressBar.human(documents) + " docs, " + ProgressBar.human(tokens) + " tok");
                    bar.set(bytesDone);
                }

                @Override
                public void done() {
                    if (bar != null) bar.close();
                }
            };
        }
    }

    /**
     * @param policy    what to do with malformed lines (SKIP counts and reports them)
     * @param rebuild   replace a cache made with a different tokenizer instead of failing
     * @param chunkDocs documents per tokenization task
     * @param log       receives warnings and the summary (one message per call)
     */
    public record Options(MalformedPolicy policy, boolean rebuild, int chunkDocs, Consumer<String> log) {
        public static Options defaults() {
            return new Options(MalformedPolicy.SKIP, false, 256, System.err::println);
        }

        public Options withPolicy(MalformedPolicy p) {
            return new Options(p, rebuild, chunkDocs, log);
        }

        public Options withRebuild(boolean r) {
            return new Options(policy, r, chunkDocs, log);
        }

        public Options withLog(Consumer<String> l) {
            return new Options(policy, rebuild, chunkDocs, l);
        }
    }

    /**
     * @param upToDate true when the existing cache matched and nothing was done
     * @param malformed what was skipped (empty report when up to date)
     */
    public record Result(Manifest manifest, boolean upToDate, long documents, long tokens, double seconds,
                         MalformedReport malformed) {
        /** Tokens per second of this run (0 when up to date). */
        public double tokensPerSecond() {
            return upToDate || seconds <= 0 ? 0 : tokens / seconds;
        }
    }

    /** {@link #run(Path, Tokenizer, String, Path, int, Progress, Options)} with default options. */
    public static Result run(Path dataDir, Tokenizer tok, String tokenizerHash, Path outDir, int threads, Progress progress) {
        return run(dataDir, tok, tokenizerHash, outDir, threads, progress, Options.defaults());
    }

    /**
     * Builds or validates the cache in {@code outDir} for the corpus in {@code dataDir}.
     *
     * @param threads tokenization workers; {@code <= 0} means one per available processor
     */
    @SuppressWarnings("try") // the lock is held for the duration of the block, never read
    public static Result run(Path dataDir, Tokenizer tok, String tokenizerHash, Path outDir, int threads,
                             Progress progress, Options opts) {
        long t0 = System.nanoTime();
        if (tokenizerHash == null || tokenizerHash.isBlank()) throw new IllegalArgumentException("tokenizerHash is empty");
        Corpus corpus = Corpus.scan(dataDir);
        corpus.warnings().forEach(opts.log());
        List<Manifest.InputFile> inputs = new ArrayList<>();
        for (CorpusFile f : corpus.files()) inputs.add(new Manifest.InputFile(f.relPath(), f.size(), f.mtimeMillis()));
        try {
            Files.createDirectories(outDir);
            try (FileChannel lockCh = FileChannel.open(outDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = tryLock(lockCh, outDir)) {
                Manifest old = Manifest.readIfPresent(outDir);
                if (old != null && upToDate(old, outDir, tok, tokenizerHash, inputs, opts)) {
                    opts.log().accept("token cache " + outDir + " is up to date (" + old.inputs().size() + " input files unchanged)");
                    long docs = old.domains().stream().mapToLong(Manifest.DomainEntry::documents).sum();
                    long toks = old.domains().stream().mapToLong(Manifest.DomainEntry::tokens).sum();
                    return new Result(old, true, docs, toks, (System.nanoTime() - t0) / 1e9, new MalformedReport());
                }
                removeStale(outDir, old == null ? null : old.dataDir());
                return build(corpus, tok, tokenizerHash, outDir, inputs, threads, progress, opts, t0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write token cache " + outDir + ": " + e.getMessage(), e);
        } finally {
            progress.done();
        }
    }

    private static FileLock tryLock(FileChannel ch, Path outDir) throws IOException {
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) throw new IllegalStateException("another prepare run is writing " + outDir + "; wait for it to finish");
        return lock;
    }

    /** True when the existing cache can be reused; throws when it was made with another tokenizer and rebuild is off. */
    private static boolean upToDate(Manifest old, Path outDir, Tokenizer tok, String hash, List<Manifest.InputFile> inputs,
                                    Options opts) {
        if (!old.tokenizerHash().equals(hash)) {
            if (!opts.rebuild()) {
                throw new CacheMismatchException("token cache " + outDir + " was made with tokenizer " + old.tokenizerHash()
                        + ", not " + hash + "; choose another output folder or rebuild it (--rebuild)");
            }
            opts.log().accept("rebuilding token cache " + outDir + ": tokenizer changed from " + old.tokenizerHash() + " to " + hash);
            return false;
        }
        if (old.vocabSize() != tok.vocabSize() || old.bosId() != tok.bosId() || old.eosId() != tok.eosId()) {
            opts.log().accept("rebuilding token cache " + outDir + ": same tokenizer hash but different vocabulary/BOS/EOS");
            return false;
        }
        if (!old.inputs().equals(inputs)) {
            opts.log().accept("rebuilding token cache " + outDir + ": input files changed (paths, sizes or mtimes)");
            return false;
        }
        if (!intact(outDir, old)) {
            opts.log().accept("rebuilding token cache " + outDir + ": data files missing or of the wrong size");
            return false;
        }
        return true;
    }

    private static boolean intact(Path outDir, Manifest m) {
        Path data = outDir.resolve(m.dataDir());
        try {
            for (Manifest.DomainEntry e : m.domains()) {
                if (Files.size(data.resolve(e.tokensFile())) != e.tokens() * m.tokenBytes()) return false;
                if (Files.size(data.resolve(e.indexFile())) != (e.documents() + 1) * 8) return false;
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Result build(Corpus corpus, Tokenizer tok, String hash, Path outDir, List<Manifest.InputFile> inputs,
                                int threads, Progress progress, Options opts, long t0) throws IOException {
        String name = "data-" + Long.toHexString(System.currentTimeMillis()) + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
        Path tmp = outDir.resolve(name + ".tmp");
        MalformedReport report = new MalformedReport();
        Manifest m;
        try {
            Files.createDirectories(tmp.resolve(Split.TRAIN.dirName()));
            Files.createDirectories(tmp.resolve(Split.VALIDATION.dirName()));
            int width = tok.vocabSize() <= 65536 ? 2 : 4;
            List<Manifest.DomainEntry> entries;
            try (ChunkPipeline p = new ChunkPipeline(tmp, tok, width, threads, opts.policy(), report, opts.chunkDocs(), CHUNK_CHARS)) {
                entries = p.run(corpus, progress);
            }
            m = new Manifest(Manifest.FORMAT, Manifest.VERSION, hash, tok.vocabSize(), tok.bosId(), tok.eosId(), width, name,
                    corpus.layout().name(), inputs, entries, report.count());
            Files.move(tmp, outDir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException | Error e) {
            deleteTree(tmp);
            throw e;
        }
        publish(outDir, m);
        removeStale(outDir, name);
        if (report.count() > 0) opts.log().accept("WARNING: " + report.summary());
        long docs = 0;
        long toks = 0;
        for (Manifest.DomainEntry e : m.domains()) {
            docs += e.documents();
            toks += e.tokens();
            if (e.documents() == 0) opts.log().accept("WARNING: domain '" + e.domain() + "' has no " + e.split() + " documents");
        }
        double sec = (System.nanoTime() - t0) / 1e9;
        opts.log().accept(String.format(java.util.Locale.ROOT, "token cache %s: %d documents, %d tokens in %.1f s",
                outDir, docs, toks, sec));
        return new Result(m, false, docs, toks, sec, report);
    }

    /** Writes manifest.json.tmp, fsyncs it and renames it over manifest.json in one atomic step. */
    private static void publish(Path outDir, Manifest m) throws IOException {
        Path tmp = outDir.resolve(Manifest.FILE_NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(m.toJson().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, outDir.resolve(Manifest.FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Deletes data folders other than {@code keep}, and leftovers of interrupted runs. */
    private static void removeStale(Path outDir, String keep) throws IOException {
        List<Path> stale;
        try (Stream<Path> s = Files.list(outDir)) {
            stale = s.filter(p -> DATA_DIR.matcher(p.getFileName().toString()).matches())
                    .filter(p -> !p.getFileName().toString().equals(keep)).toList();
        }
        for (Path p : stale) deleteTree(p);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Used by {@link ChunkPipeline} to report a failing document. */
    static String where(Document d) {
        return d.file() + ":" + d.line();
    }
}
