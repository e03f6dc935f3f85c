package io.moe4j.nn.io;

import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.io.Checkpoints.Format;
import io.moe4j.nn.io.Checkpoints.Loaded;
import io.moe4j.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader and writer for Karpathy's llama2.c {@code .bin} checkpoints, both the legacy layout
 * (run.c) and the "version 1" export (export.py {@code version1_export}); see
 * shared/data/PROVENANCE.md §1. Both store float32 little-endian [out, in] matrices stacked over
 * layers, in the Meta q/k layout, so no permutation is needed.
 *
 * <p>The reader trusts nothing in the header: it bounds every dimension, computes the exact file
 * length the header implies (overflow-checked) and compares it with the real length before
 * allocating anything.
 */
public final class Llama2cCheckpoint {
    /** "ak42" read as a little-endian uint32. */
    public static final int MAGIC = 0x616b3432;
    public static final int V1_HEADER_BYTES = 256;
    public static final int LEGACY_HEADER_BYTES = 28;
    /** Largest dimension we believe; anything bigger is a corrupt or hostile header. */
    static final int MAX_DIM = 1 << 24;

    private static final String FREQ_REAL = "freq_cis_real";
    private static final String FREQ_IMAG = "freq_cis_imag";

    private Llama2cCheckpoint() {}

    /** One stored tensor: {@code perLayer} ones are stacked [L, shape...] under {@code model.layers.i.name}. */
    private record Seg(String name, boolean perLayer, int[] shape) {}

    /** The on-disk tensor order of each format (PROVENANCE.md §1, llama2.c run.c / export.py). */
    private static List<Seg> plan(LlamaConfig c, Format f) {
        int C = c.dim(), F = c.hiddenDim(), V = c.vocabSize(), kv = c.kvDim();
        List<Seg> p = new ArrayList<>();
        Seg embed = new Seg(LlamaWeights.EMBED, false, new int[] {V, C});
        Seg[] matrices = {
            new Seg(LlamaWeights.WQ, true, new int[] {C, C}), new Seg(LlamaWeights.WK, true, new int[] {kv, C}),
            new Seg(LlamaWeights.WV, true, new int[] {kv, C}), new Seg(LlamaWeights.WO, true, new int[] {C, C})};
        Seg[] ffn = {
            new Seg(LlamaWeights.GATE, true, new int[] {F, C}), new Seg(LlamaWeights.DOWN, true, new int[] {C, F}),
            new Seg(LlamaWeights.UP, true, new int[] {F, C})};
        Seg attnNorm = new Seg(LlamaWeights.ATTN_NORM, true, new int[] {C});
        Seg ffnNorm = new Seg(LlamaWeights.FFN_NORM, true, new int[] {C});
        Seg norm = new Seg(LlamaWeights.NORM, false, new int[] {C});
        if (f == Format.LLAMA2C_LEGACY) {
            p.add(embed);
            p.add(attnNorm);
            p.addAll(List.of(matrices));
            p.add(ffnNorm);
            p.addAll(List.of(ffn));
            p.add(norm);
            p.add(new Seg(FREQ_REAL, false, new int[] {c.maxSeqLen(), c.headDim() / 2}));
            p.add(new Seg(FREQ_IMAG, false, new int[] {c.maxSeqLen(), c.headDim() / 2}));
        } else {
            p.add(attnNorm);
            p.add(ffnNorm);
            p.add(norm);
            p.add(embed);
            p.addAll(List.of(matrices));
            p.addAll(List.of(ffn));
        }
        if (!c.tiedEmbeddings()) p.add(new Seg(LlamaWeights.LM_HEAD, false, new int[] {V, C}));
        return p;
    }

    /** Exact file length the header implies, or -1 when it overflows a long. */
    static long expectedBytes(LlamaConfig c, Format f) {
        long floats = 0;
        for (Seg s : plan(c, f)) {
            long n = BinIO.product(s.perLayer ? c.nLayers() : 1, BinIO.product(s.shape));
            if (n < 0 || floats + n < 0) return -1;
            floats += n;
        }
        long header = f == Format.LLAMA2C_V1 ? V1_HEADER_BYTES : LEGACY_HEADER_BYTES;
        return floats > (Long.MAX_VALUE - header) / 4 ? -1 : header + 4 * floats;
    }

    // ---------------------------------------------------------------- reading

    /** Loads a legacy or v1 file (told apart by the magic); errors are one line naming the file. */
    public static Loaded load(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 4) throw bad(file, "file is " + size + " bytes, too short for a llama2.c header");
            ByteBuffer head = BinIO.map(ch, 0, Math.min(size, V1_HEADER_BYTES));
            Format f = head.getInt(0) == MAGIC ? Format.LLAMA2C_V1 : Format.LLAMA2C_LEGACY;
            LlamaConfig c = f == Format.LLAMA2C_V1 ? v1Header(file, head, size) : legacyHeader(file, head, size);
            long want = expectedBytes(c, f);
            if (want != size)
                throw bad(file, "file is " + size + " bytes but its " + (f == Format.LLAMA2C_V1 ? "v1" : "legacy")
                        + " header " + describe(c) + " implies " + (want < 0 ? "more than 2^63" : want) + " bytes"
                        + (want > size ? " (truncated?)" : ""));
            return new Loaded(c, readTensors(file, ch, c, f), f);
        }
    }

    private static LlamaConfig legacyHeader(Path file, ByteBuffer h, long size) {
        if (size < LEGACY_HEADER_BYTES) throw bad(file, "file is " + size + " bytes, truncated inside the 28-byte legacy header");
        int[] v = new int[7];
        for (int k = 0; k < 7; k++) v[k] = h.getInt(4 * k);
        boolean shared = v[5] > 0; // run.c: a negative vocab_size means an unshared classifier follows
        if (v[5] == Integer.MIN_VALUE) throw bad(file, "vocab_size = " + v[5] + " is absurd");
        v[5] = Math.abs(v[5]);
        return config(file, v, shared);
    }

    private static LlamaConfig v1Header(Path file, ByteBuffer h, long size) {
        if (size < V1_HEADER_BYTES) throw bad(file, "file is " + size + " bytes, truncated inside the 256-byte v1 header");
        int version = h.getInt(4);
        if (version != 1) throw bad(file, "llama2.c magic with version " + version + ", only version 1 is supported");
        int[] v = new int[7];
        for (int k = 0; k < 7; k++) v[k] = h.getInt(8 + 4 * k);
        int shared = h.get(36) & 0xff;
        if (shared > 1) throw bad(file, "shared_classifier byte is " + shared + ", expected 0 or 1");
        for (int k = 37; k < V1_HEADER_BYTES; k++)
            if (h.get(k) != 0) throw bad(file, "non-zero byte at header offset " + k + " (the v1 header pads with zeros)");
        return config(file, v, shared == 1);
    }

    private static final String[] FIELDS = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};

    private static LlamaConfig config(Path file, int[] v, boolean shared) {
        for (int k = 0; k < 7; k++)
            if (v[k] <= 0 || v[k] > MAX_DIM)
                throw bad(file, "header field " + FIELDS[k] + " = " + v[k] + ", expected 1.." + MAX_DIM);
        try {
            return LlamaConfig.llama2c(v[0], v[1], v[2], v[3], v[4], v[5], v[6], shared);
        } catch (IllegalArgumentException e) {
            throw bad(file, e.getMessage());
        }
    }

    private static String describe(LlamaConfig c) {
        return "(dim=" + c.dim() + ", hidden_dim=" + c.hiddenDim() + ", n_layers=" + c.nLayers() + ", n_heads=" + c.nHeads()
                + ", n_kv_heads=" + c.nKvHeads() + ", vocab_size=" + c.vocabSize() + ", seq_len=" + c.maxSeqLen()
                + ", shared=" + c.tiedEmbeddings() + ")";
    }

    /** Reads the tensors in file order (the length was already checked) and returns them in canonical order. */
    private static LinkedHashMap<String, Tensor> readTensors(Path file, FileChannel ch, LlamaConfig c, Format f) throws IOException {
        Map<String, Tensor> got = new LinkedHashMap<>();
        long pos = f == Format.LLAMA2C_V1 ? V1_HEADER_BYTES : LEGACY_HEADER_BYTES;
        for (Seg s : plan(c, f)) {
            long n = BinIO.product(s.shape);
            if (n > Integer.MAX_VALUE) throw bad(file, s.name + " has " + n + " elements, more than one Java array holds");
            int layers = s.perLayer ? c.nLayers() : 1;
            if (s.name.equals(FREQ_REAL) || s.name.equals(FREQ_IMAG)) { pos += 4 * n; continue; } // rebuilt by the model
            for (int i = 0; i < layers; i++) {
                String name = s.perLayer ? LlamaWeights.layer(i, s.name) : s.name;
                got.put(name, Tensor.of(BinIO.readF32(ch, pos, (int) n), s.shape));
                pos += 4 * n;
            }
        }
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (String name : LlamaWeights.shapes(c).keySet()) out.put(name, got.get(name));
        LlamaWeights.check(c, out, file.toString()); // cheap; guards the plan against the shape table
        return out;
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException(file + ": " + what);
    }

    // ---------------------------------------------------------------- writing

    /** Writes the llama2.c version-1 layout (what export.py {@code version1_export} produces). */
    public static void writeV1(Path file, LlamaConfig c, Map<String, Tensor> weights) throws IOException {
        write(file, c, weights, Format.LLAMA2C_V1);
    }

    /**
     * Writes the legacy layout that run.c reads. The freq_cis tables are recomputed in float32 the
     * way llama2.c's model.py does; run.c skips them, so their last bit does not matter.
     */
    public static void writeLegacy(Path file, LlamaConfig c, Map<String, Tensor> weights) throws IOException {
        write(file, c, weights, Format.LLAMA2C_LEGACY);
    }

    private static void write(Path file, LlamaConfig c, Map<String, Tensor> weights, Format f) throws IOException {
        LlamaWeights.check(c, weights, "llama2.c writer for " + file);
        BinIO.atomicWrite(file, out -> {
            writeHeader(out, c, f);
            for (Seg s : plan(c, f)) {
                if (s.name.equals(FREQ_REAL) || s.name.equals(FREQ_IMAG)) {
                    float[] t = freqCis(c, s.name.equals(FREQ_REAL));
                    out.f32(t, 0, t.length);
                    continue;
                }
                for (int i = 0; i < (s.perLayer ? c.nLayers() : 1); i++) {
                    float[] a = LlamaWeights.f32(weights.get(s.perLayer ? LlamaWeights.layer(i, s.name) : s.name));
                    out.f32(a, 0, a.length);
                }
            }
        });
    }

    private static void writeHeader(BinIO.Out out, LlamaConfig c, Format f) throws IOException {
        if (f == Format.LLAMA2C_V1) {
            out.i32(MAGIC);
            out.i32(1);
        }
        int vocab = f == Format.LLAMA2C_LEGACY && !c.tiedEmbeddings() ? -c.vocabSize() : c.vocabSize();
        for (int v : new int[] {c.dim(), c.hiddenDim(), c.nLayers(), c.nHeads(), c.nKvHeads(), vocab, c.maxSeqLen()}) out.i32(v);
        if (f == Format.LLAMA2C_V1) {
            out.u8(c.tiedEmbeddings() ? 1 : 0);
            out.bytes(new byte[V1_HEADER_BYTES - 37]);
        }
    }

    /**
     * cos (real) or sin (imag) of pos·θ^(-2i/D), [seq_len, D/2], in float32 steps like model.py's
     * precompute_freqs_cis. Uses the config's rope theta (llama2.c always wrote 10000).
     */
    static float[] freqCis(LlamaConfig c, boolean real) {
        int half = c.headDim() / 2, D = c.headDim();
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) inv[i] = 1.0f / (float) Math.pow(c.ropeTheta(), (float) (2 * i) / (float) D);
        float[] out = new float[c.maxSeqLen() * half];
        for (int p = 0; p < c.maxSeqLen(); p++)
            for (int i = 0; i < half; i++) {
                float angle = (float) p * inv[i];
                out[p * half + i] = (float) (real ? Math.cos(angle) : Math.sin(angle));
            }
        return out;
    }
}
