package io.moe4j.data.sampling;

import io.moe4j.data.cache.DomainTokens;
import io.moe4j.data.cache.Manifest;

import java.util.List;

/**
 * The packed training blocks of one domain, following METHOD.md §5.1: each epoch the domain's
 * input files are shuffled, documents are taken {@code bufferDocs} at a time in that order, each
 * buffer is shuffled, its documents (each as [BOS] tokens [EOS]) are concatenated and cut into
 * blocks of T+1 tokens, and the remainder of the buffer is dropped.
 *
 * <p>Nothing random is kept: the file order of an epoch and the order inside a buffer are pure
 * functions of (seed, domain, epoch, buffer), so the state is just (epoch, buffer, block) and a
 * restored stream recomputes its buffer exactly. Tokens are read from the memory-mapped cache on
 * demand, so a buffer of long books costs no heap.
 */
public final class PackedStream {
    /** What happens when a domain's epoch ends. */
    public enum Exhaustion {
        /** Start another epoch with a fresh shuffle (needed for small corpora). */
        REPEAT,
        /** Throw {@link DomainExhaustedException}, as the original trainer stops. */
        STOP
    }

    /** Where the stream is: next block {@code block} of buffer {@code buffer} of epoch {@code epoch}. */
    public record State(int epoch, long buffer, int block) {
    }

    private static final long FILES_TAG = 0x46494c4553L;
    private static final long BUFFER_TAG = 0x42554646L;

    private final DomainTokens toks;
    private final int blockLen;
    private final int bos;
    private final int eos;
    private final int bufferDocs;
    private final long seed;
    private final long domainKey;
    private final Exhaustion exhaustion;
    private final List<Manifest.FileRange> files;

    private int epoch;
    private long buffer;
    private int block;
    private boolean epochFromStart = true;
    private long blocksThisEpoch;

    private int permEpoch = -1;
    private int[] filePerm;
    private long[] permStarts;
    private boolean loaded;
    private int bufN;
    private long[] bufStart;
    private int[] bufLen;
    private long[] bufPrefix;
    private int bufBlocks;

    /**
     * @param seqLen T; blocks hold T+1 tokens
     * @param bos    id prepended to every document, or -1 for none
     * @param eos    id appended to every document, or -1 for none
     */
    public PackedStream(DomainTokens toks, int seqLen, int bos, int eos, int bufferDocs, long seed, Exhaustion exhaustion) {
        if (seqLen <= 0) throw new IllegalArgumentException("seq_len must be > 0, got " + seqLen);
        if (bufferDocs <= 0) throw new IllegalArgumentException("shuffle buffer must hold > 0 documents, got " + bufferDocs);
        this.toks = toks;
        this.blockLen = seqLen + 1;
        this.bos = bos;
        this.eos = eos;
        this.bufferDocs = bufferDocs;
        this.seed = seed;
        this.domainKey = SplitMix64.hash(toks.domain());
        this.exhaustion = exhaustion;
        long docs = toks.documents();
        if (docs == 0) {
            throw new IllegalArgumentException("domain '" + toks.domain() + "' has no " + toks.split().dirName()
                    + " documents; give it weight 0 or add data");
        }
        long virtual = toks.tokens() + docs * ((bos >= 0 ? 1 : 0) + (eos >= 0 ? 1 : 0));
        if (virtual < blockLen) {
            throw new IllegalArgumentException("domain '" + toks.domain() + "' has only " + virtual + " " + toks.split().dirName()
                    + " tokens (with BOS/EOS), fewer than one block of seq_len+1 = " + blockLen);
        }
        long covered = 0;
        for (Manifest.FileRange r : toks.files()) covered += r.documents();
        this.files = covered == docs && !toks.files().isEmpty() ? toks.files() : List.of(new Manifest.FileRange("", 0, docs));
        this.bufStart = new long[bufferDocs];
        this.bufLen = new int[bufferDocs];
        this.bufPrefix = new long[bufferDocs + 1];
    }

    public String domain() {
        return toks.domain();
    }

    public State state() {
        return new State(epoch, buffer, block);
    }

    /** Moves to a saved position; the next block is the one the saved stream would have produced. */
    public void restore(State s) {
        if (s.epoch() < 0 || s.buffer() < 0 || s.block() < 0 || s.buffer() * bufferDocs >= toks.documents() && s.buffer() > 0) {
            throw new IllegalArgumentException("invalid stream state " + s + " for domain '" + domain() + "'");
        }
        epoch = s.epoch();
        buffer = s.buffer();
        block = s.block();
        epochFromStart = buffer == 0 && block == 0;
        blocksThisEpoch = 0;
        loaded = false;
    }

    /** Writes the next block of T+1 tokens into dst[0..T]. */
    public void next(int[] dst) {
        while (true) {
            if (!loaded) load();
            if (block < bufBlocks) {
                fill(dst, block++);
                blocksThisEpoch++;
                return;
            }
            buffer++;
            block = 0;
            loaded = false;
            if (buffer * bufferDocs >= toks.documents()) endEpoch();
        }
    }

    private void endEpoch() {
        if (epochFromStart && blocksThisEpoch == 0) {
            throw new IllegalStateException("domain '" + domain() + "': no shuffle buffer of " + bufferDocs
                    + " documents holds a full block of " + blockLen + " tokens; use a shorter seq_len or a larger buffer");
        }
        if (exhaustion == Exhaustion.STOP) {
            throw new DomainExhaustedException(domain(), "domain '" + domain() + "' is exhausted after epoch " + epoch
                    + " (" + toks.documents() + " documents); training stops (use REPEAT to start another epoch)");
        }
        epoch++;
        buffer = 0;
        epochFromStart = true;
        blocksThisEpoch = 0;
    }

    /** Loads the current buffer: its documents in shuffled order and their packed offsets. */
    private void load() {
        if (permEpoch != epoch) permuteFiles();
        long first = buffer * bufferDocs;
        bufN = (int) Math.min(bufferDocs, toks.documents() - first);
        long[] docs = new long[bufN];
        for (int i = 0; i < bufN; i++) docs[i] = epochDoc(first + i);
        new SplitMix64(SplitMix64.mix(seed, domainKey, epoch, buffer, BUFFER_TAG)).shuffle(docs, bufN);
        int extra = (bos >= 0 ? 1 : 0) + (eos >= 0 ? 1 : 0);
        bufPrefix[0] = 0;
        for (int i = 0; i < bufN; i++) {
            bufStart[i] = toks.docStart(docs[i]);
            bufLen[i] = toks.docLength(docs[i]);
            bufPrefix[i + 1] = bufPrefix[i] + bufLen[i] + extra;
        }
        long blocks = bufPrefix[bufN] / blockLen;
        if (blocks > Integer.MAX_VALUE) throw new IllegalStateException("shuffle buffer of domain '" + domain() + "' too large");
        bufBlocks = (int) blocks;
        loaded = true;
    }

    private void permuteFiles() {
        filePerm = new int[files.size()];
        for (int i = 0; i < filePerm.length; i++) filePerm[i] = i;
        new SplitMix64(SplitMix64.mix(seed, domainKey, epoch, FILES_TAG)).shuffle(filePerm);
        permStarts = new long[filePerm.length + 1];
        for (int k = 0; k < filePerm.length; k++) permStarts[k + 1] = permStarts[k] + files.get(filePerm[k]).documents();
        permEpoch = epoch;
    }

    /** The document at position {@code pos} of this epoch's file order. */
    private long epochDoc(long pos) {
        int k = upperBound(permStarts, permStarts.length, pos) - 1;
        Manifest.FileRange r = files.get(filePerm[k]);
        return r.firstDoc() + (pos - permStarts[k]);
    }

    /** Copies block j of the current buffer's concatenation into dst. */
    private void fill(int[] dst, int j) {
        long s = (long) j * blockLen;
        int i = upperBound(bufPrefix, bufN + 1, s) - 1;
        long local = s - bufPrefix[i];
        int k = 0;
        while (k < blockLen) {
            long vlen = bufPrefix[i + 1] - bufPrefix[i];
            if (local >= vlen) {
                i++;
                local = 0;
                continue;
            }
            int n = copyFromDocument(toks, bufStart[i], bufLen[i], bos, eos, local, dst, k, blockLen);
            k += n;
            local += n;
        }
    }

    /**
     * Copies from the virtual document [BOS?] tokens [EOS?] (bos/eos -1 when absent), starting at
     * its position {@code local}, into dst[k..max); returns how many tokens were written. Shared by
     * the packed training stream and the validation stream.
     */
    static int copyFromDocument(DomainTokens toks, long docStart, int len, int bos, int eos, long local,
                                int[] dst, int k, int max) {
        int head = bos >= 0 ? 1 : 0, start = k;
        long vlen = head + len + (eos >= 0 ? 1 : 0);
        while (k < max && local < vlen) {
            if (local < head) {
                dst[k++] = bos;
                local++;
            } else if (local < head + len) {
                int n = (int) Math.min(max - k, head + len - local);
                toks.read(docStart + local - head, dst, k, n);
                k += n;
                local += n;
            } else {
                dst[k++] = eos;
                local++;
            }
        }
        return k - start;
    }

    /** First index in a[0..n) whose value is > key (a is non-decreasing). */
    static int upperBound(long[] a, int n, long key) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= key) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
