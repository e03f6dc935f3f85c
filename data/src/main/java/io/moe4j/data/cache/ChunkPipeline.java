package io.moe4j.data.cache;

import io.moe4j.data.corpus.Corpus;
import io.moe4j.data.corpus.CorpusFile;
import io.moe4j.data.corpus.Document;
import io.moe4j.data.corpus.DocumentReader;
import io.moe4j.data.corpus.MalformedPolicy;
import io.moe4j.data.corpus.MalformedReport;
import io.moe4j.data.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reader / tokenizer-pool / writer loop of {@link Prepare}. The calling thread reads documents
 * in corpus order and cuts them into chunks; a pool tokenizes chunks; the calling thread writes
 * finished chunks strictly in submission order. At most {@code 2 * threads + 2} chunks are in flight,
 * which bounds memory whatever the corpus size.
 */
final class ChunkPipeline implements AutoCloseable {
    /** A chunk of documents of one file and, once tokenized, their ids. */
    private record Chunk(CorpusFile file, List<Document> docs, int[][] ids) {
    }

    private final Path dir;
    private final Tokenizer tok;
    private final int width;
    private final int threads;
    private final MalformedPolicy policy;
    private final MalformedReport report;
    private final int chunkDocs;
    private final int chunkChars;
    private final ExecutorService pool;
    private final ArrayDeque<Future<Chunk>> inflight = new ArrayDeque<>();
    private final Map<String, TokenWriter> writers = new TreeMap<>();
    private long documents;
    private long tokens;

    ChunkPipeline(Path dir, Tokenizer tok, int width, int threads, MalformedPolicy policy, MalformedReport report,
                  int chunkDocs, int chunkChars) {
        this.dir = dir;
        this.tok = tok;
        this.width = width;
        this.threads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        this.policy = policy;
        this.report = report;
        this.chunkDocs = Math.max(1, chunkDocs);
        this.chunkChars = chunkChars;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(this.threads, r -> {
            Thread t = new Thread(r, "moe4j-prepare-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Processes every file and returns the closed writers' entries, sorted by split then domain. */
    List<Manifest.DomainEntry> run(Corpus corpus, Prepare.Progress progress) throws IOException {
        long total = corpus.totalBytes();
        long before = 0;
        // Per-domain corpora list every (split, domain) up front, so an empty file still gets an entry.
        for (CorpusFile f : corpus.files()) if (f.domain() != null) writer(f.split().dirName(), f.domain());
        for (CorpusFile f : corpus.files()) {
            try (DocumentReader r = DocumentReader.open(f, policy, report)) {
                List<Document> batch = new ArrayList<>();
                long chars = 0;
                while (r.hasNext()) {
                    Document d = r.next();
                    batch.add(d);
                    chars += d.text().length();
                    if (batch.size() >= chunkDocs || chars >= chunkChars) {
                        submit(f, batch);
                        batch = new ArrayList<>();
                        chars = 0;
                        progress.update(before + r.bytesRead(), total, documents, tokens);
                    }
                }
                if (!batch.isEmpty()) submit(f, batch);
            }
            before += f.size();
            progress.update(before, total, documents, tokens);
        }
        while (!inflight.isEmpty()) write(await(inflight.poll()));
        progress.update(total, total, documents, tokens);
        List<Manifest.DomainEntry> out = new ArrayList<>();
        for (TokenWriter w : writers.values()) {
            w.close();
            out.add(w.entry());
        }
        writers.clear();
        out.sort(Comparator.comparing((Manifest.DomainEntry e) -> e.splitEnum()).thenComparing(Manifest.DomainEntry::domain));
        return out;
    }

    private void submit(CorpusFile f, List<Document> docs) throws IOException {
        inflight.add(pool.submit(() -> tokenize(f, docs)));
        while (inflight.size() > 2 * threads + 1) write(await(inflight.poll()));
    }

    private Chunk tokenize(CorpusFile f, List<Document> docs) {
        int[][] ids = new int[docs.size()][];
        for (int i = 0; i < ids.length; i++) {
            Document d = docs.get(i);
            try {
                ids[i] = tok.encode(d.text(), false, false);
            } catch (RuntimeException e) {
                throw new IllegalStateException("tokenizer failed on " + Prepare.where(d) + ": " + e, e);
            }
        }
        return new Chunk(f, docs, ids);
    }

    private static Chunk await(Future<Chunk> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing the token cache", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error er) throw er;
            throw new IllegalStateException(c);
        }
    }

    private void write(Chunk c) throws IOException {
        for (int i = 0; i < c.ids().length; i++) {
            Document d = c.docs().get(i);
            writer(c.file().split().dirName(), d.domain()).write(c.ids()[i], c.file().relPath(), Prepare.where(d));
            documents++;
            tokens += c.ids()[i].length;
        }
    }

    private TokenWriter writer(String split, String domain) throws IOException {
        String key = split + "/" + domain;
        TokenWriter w = writers.get(key);
        if (w == null) {
            String base = String.format("%03d-%s", writers.size(), domain.replaceAll("[^A-Za-z0-9._-]", "_"));
            w = new TokenWriter(dir, split, domain, base, width, tok.vocabSize());
            writers.put(key, w);
        }
        return w;
    }

    /** Stops the workers and closes any writer still open (after a failure). */
    @Override
    public void close() {
        pool.shutdownNow();
        for (TokenWriter w : writers.values()) {
            try {
                w.close();
            } catch (IOException ignored) {
                // the temporary folder is deleted by the caller; the original error matters
            }
        }
    }
}
