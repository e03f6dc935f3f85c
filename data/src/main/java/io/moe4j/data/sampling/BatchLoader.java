package io.moe4j.data.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moe4j.data.cache.Manifest;
import io.moe4j.data.cache.TokenCache;
import io.moe4j.data.corpus.Split;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training batches for continual pre-training: for every row the {@link DomainSampler} draws a
 * domain, and that domain's {@link PackedStream} gives the next block of T+1 tokens.
 *
 * <p>The whole state (options, sampler weights and RNG, every stream's position, batches served)
 * serialises to JSON ({@link #saveState()}); {@link #restore} on the same cache gives a loader whose
 * next batches are bit-identical to those the saved one would have produced. Shuffle buffers are
 * not stored: they are recomputed from the seed.
 */
public final class BatchLoader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORMAT = "moe4j-loader-state";

    /**
     * @param batchSize  B rows per batch
     * @param seqLen     T; each block holds T+1 tokens
     * @param addBos     prepend BOS to every document (LLaMA-MoE: yes)
     * @param addEos     append EOS to every document (LLaMA-MoE: no)
     * @param seed       shuffle seed of files and buffers (LLaMA-MoE: 1227); the sampler has its own seed
     * @param bufferDocs documents per shuffle buffer (LLaMA-MoE: 200)
     */
    public record Options(int batchSize, int seqLen, boolean addBos, boolean addEos, long seed, int bufferDocs,
                          PackedStream.Exhaustion exhaustion) {
        public Options {
            if (batchSize <= 0) throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
            if (seqLen <= 0) throw new IllegalArgumentException("seq_len must be > 0, got " + seqLen);
            if (bufferDocs <= 0) throw new IllegalArgumentException("shuffle buffer must be > 0 documents, got " + bufferDocs);
        }

        /** The LLaMA-MoE settings: BOS, no EOS, seed 1227, 200-document buffers, repeat exhausted domains. */
        public static Options of(int batchSize, int seqLen) {
            return new Options(batchSize, seqLen, true, false, 1227, 200, PackedStream.Exhaustion.REPEAT);
        }

        public Options withEos(boolean eos) {
            return new Options(batchSize, seqLen, addBos, eos, seed, bufferDocs, exhaustion);
        }

        public Options withSeed(long s) {
            return new Options(batchSize, seqLen, addBos, addEos, s, bufferDocs, exhaustion);
        }

        public Options withBufferDocs(int n) {
            return new Options(batchSize, seqLen, addBos, addEos, seed, n, exhaustion);
        }

        public Options withExhaustion(PackedStream.Exhaustion e) {
            return new Options(batchSize, seqLen, addBos, addEos, seed, bufferDocs, e);
        }
    }

    private final TokenCache cache;
    private final DomainSampler sampler;
    private final Options opt;
    private final PackedStream[] streams;
    private final int bos;
    private final int eos;
    private long batches;

    /**
     * Every sampler domain must have training data in the cache; a domain with positive weight that
     * cannot fill one block is an error here, not at the first draw.
     */
    public BatchLoader(TokenCache cache, DomainSampler sampler, Options opt) {
        this.cache = cache;
        this.sampler = sampler;
        this.opt = opt;
        Manifest m = cache.manifest();
        this.bos = opt.addBos() ? requireId(m.bosId(), "BOS") : -1;
        this.eos = opt.addEos() ? requireId(m.eosId(), "EOS") : -1;
        List<String> names = sampler.domains();
        this.streams = new PackedStream[names.size()];
        double[] w = sampler.weights();
        for (int i = 0; i < streams.length; i++) {
            if (!cache.has(Split.TRAIN, names.get(i))) {
                throw new IllegalArgumentException("sampler domain '" + names.get(i) + "' has no training data in the token cache "
                        + cache.dir() + " (it has " + cache.domains(Split.TRAIN) + ")");
            }
            if (w[i] > 0 || sampler.isDynamic()) streams[i] = stream(names.get(i));
        }
    }

    private int requireId(int id, String what) {
        if (id < 0) throw new IllegalArgumentException("the cache's tokenizer has no " + what + " token; disable add" + what.charAt(0)
                + what.substring(1).toLowerCase(java.util.Locale.ROOT));
        return id;
    }

    private PackedStream stream(String domain) {
        return new PackedStream(cache.tokens(Split.TRAIN, domain), opt.seqLen(), bos, eos, opt.bufferDocs(), opt.seed(),
                opt.exhaustion());
    }

    public DomainSampler sampler() {
        return sampler;
    }

    public Options options() {
        return opt;
    }

    /** Domain names, indexed like {@link Batch#domains()}. */
    public List<String> domains() {
        return sampler.domains();
    }

    /** Batches returned so far. */
    public long batches() {
        return batches;
    }

    /** Epochs completed per domain (a domain on its second pass shows 1). */
    public Map<String, Integer> epochs() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < streams.length; i++) if (streams[i] != null) out.put(domains().get(i), streams[i].state().epoch());
        return out;
    }

    /** The next (B, T) batch. */
    public Batch next() {
        int b = opt.batchSize();
        int t = opt.seqLen();
        int[][] inputs = new int[b][t];
        int[][] labels = new int[b][t];
        int[] dom = new int[b];
        int[] block = new int[t + 1];
        for (int row = 0; row < b; row++) {
            int d = sampler.sample();
            if (streams[d] == null) streams[d] = stream(domains().get(d));
            streams[d].next(block);
            System.arraycopy(block, 0, inputs[row], 0, t);
            System.arraycopy(block, 1, labels[row], 0, t);
            dom[row] = d;
        }
        batches++;
        return new Batch(inputs, labels, dom, domains());
    }

    // ------------------------------------------------------------------ state

    /** The full state as UTF-8 JSON. */
    public byte[] saveState() {
        return stateJson().getBytes(StandardCharsets.UTF_8);
    }

    public String stateJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("version", 1);
        o.set("options", JSON.valueToTree(opt));
        ObjectNode c = o.putObject("cache");
        c.put("tokenizerHash", cache.manifest().tokenizerHash());
        c.put("fingerprint", fingerprint(cache.manifest()));
        o.set("sampler", sampler.toJson());
        ObjectNode st = o.putObject("streams");
        for (int i = 0; i < streams.length; i++) {
            if (streams[i] == null) continue;
            PackedStream.State s = streams[i].state();
            ObjectNode n = st.putObject(domains().get(i));
            n.put("epoch", s.epoch());
            n.put("buffer", s.buffer());
            n.put("block", s.block());
        }
        o.put("batches", batches);
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise loader state", e);
        }
    }

    /** A loader in exactly the saved state, over {@code cache}, which must be the cache it was saved with. */
    public static BatchLoader restore(TokenCache cache, byte[] state) {
        JsonNode o;
        try {
            o = JSON.readTree(state);
        } catch (IOException e) {
            throw new IllegalArgumentException("loader state is not valid JSON: " + e.getMessage());
        }
        if (o == null || !FORMAT.equals(o.path("format").asText()) || o.path("version").asInt() != 1) {
            throw new IllegalArgumentException("not a moe4j loader state (format " + (o == null ? null : o.path("format")) + ")");
        }
        String fp = o.path("cache").path("fingerprint").asText();
        if (!fp.equals(fingerprint(cache.manifest()))) {
            throw new IllegalArgumentException("loader state was saved against another token cache (tokenizer "
                    + o.path("cache").path("tokenizerHash").asText() + ", fingerprint " + fp + "); this cache " + cache.dir()
                    + " has fingerprint " + fingerprint(cache.manifest()));
        }
        Options opt;
        try {
            opt = JSON.treeToValue(o.get("options"), Options.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("loader state: bad options (" + e.getMessage() + ")");
        }
        BatchLoader l = new BatchLoader(cache, DomainSampler.fromJson(o.path("sampler")), opt);
        JsonNode st = o.path("streams");
        for (int i = 0; i < l.streams.length; i++) {
            JsonNode n = st.get(l.domains().get(i));
            if (n == null) continue;
            if (l.streams[i] == null) l.streams[i] = l.stream(l.domains().get(i));
            l.streams[i].restore(new PackedStream.State(n.path("epoch").asInt(), n.path("buffer").asLong(), n.path("block").asInt()));
        }
        l.batches = o.path("batches").asLong();
        return l;
    }

    /** Identity of the training data: tokenizer hash and per-domain document and token counts. */
    static String fingerprint(Manifest m) {
        long h = SplitMix64.hash(m.tokenizerHash());
        for (Manifest.DomainEntry e : m.domains()) {
            if (!e.split().equals(Split.TRAIN.dirName())) continue;
            h = SplitMix64.mix(h, SplitMix64.hash(e.domain()), e.documents(), e.tokens());
        }
        return Long.toHexString(h);
    }
}
