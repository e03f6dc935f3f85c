package io.moe4j.nn.io;

import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.io.Checkpoints.Format;
import io.moe4j.nn.io.Checkpoints.Loaded;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face LLaMA checkpoints: a directory with {@code config.json} and either
 * {@code model.safetensors} or shards listed by {@code model.safetensors.index.json}.
 *
 * <p>HF stores q_proj/k_proj rows permuted for its rotate-half RoPE; inside moe4j they are in the
 * Meta interleaved layout (nn contract). {@link #load} un-permutes and {@link #save} permutes, so
 * a model survives a save/load round trip bit for bit.
 *
 * <p>The lower-level pieces ({@link #readConfigJson}, {@link #readTensors}, {@link #writeRaw},
 * {@link #toHf}/{@link #fromHf}) are public so that formats extending LLaMA (MoE) can reuse them
 * with their own config fields and tensor names.
 */
public final class HfCheckpoint {
    public static final String CONFIG = "config.json";
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    /** A non-parameter RoPE buffer that older transformers versions saved; dropped on load. */
    private static final String INV_FREQ_SUFFIX = ".rotary_emb.inv_freq";

    private HfCheckpoint() {}

    // ---------------------------------------------------------------- load

    /** Loads a dense LLaMA directory, checks names/shapes against config.json, un-permutes q/k. */
    public static Loaded load(Path dir) throws IOException {
        LlamaConfig c = parseConfig(readConfigJson(dir), dir.resolve(CONFIG).toString());
        LinkedHashMap<String, Tensor> raw = readTensors(dir);
        raw.keySet().removeIf(n -> n.endsWith(INV_FREQ_SUFFIX));
        for (Map.Entry<String, Tensor> e : raw.entrySet()) {
            DType d = e.getValue().dtype();
            if (d == DType.F64) e.setValue(e.getValue().to(DType.F32));
            else if (d != DType.F32) throw new IllegalArgumentException(dir + ": tensor " + e.getKey() + " is " + d + ", expected a float type");
        }
        LlamaWeights.check(c, raw, dir.toString());
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (String name : LlamaWeights.shapes(c).keySet()) {
            Tensor t = raw.get(name);
            if (name.endsWith(LlamaWeights.WQ)) t = fromHf(t, c.nHeads());
            else if (name.endsWith(LlamaWeights.WK)) t = fromHf(t, c.nKvHeads());
            out.put(name, t);
        }
        return new Loaded(c, out, Format.HF);
    }

    /** {@code dir/config.json} as a JSON object (all fields, including ones this class ignores). */
    public static Map<String, Object> readConfigJson(Path dir) throws IOException {
        Path p = dir.resolve(CONFIG);
        if (!Files.isRegularFile(p)) throw new NoSuchFileException(p.toString(), null, "a Hugging Face checkpoint needs config.json");
        return Json.asObject(Json.parse(Files.readAllBytes(p), p.toString()), p.toString());
    }

    /**
     * The LLaMA fields of a config.json. Required: hidden_size, intermediate_size, num_hidden_layers,
     * num_attention_heads, vocab_size. Defaults as in transformers' LlamaConfig: num_key_value_heads =
     * num_attention_heads, max_position_embeddings 2048, rms_norm_eps 1e-6, rope_theta 10000,
     * tie_word_embeddings false. Features we do not implement (rope_scaling, biases, another
     * activation, a head_dim other than hidden/heads) are rejected rather than silently ignored.
     */
    public static LlamaConfig parseConfig(Map<String, Object> json, String source) {
        int dim = requiredInt(json, "hidden_size", source);
        int hidden = requiredInt(json, "intermediate_size", source);
        int layers = requiredInt(json, "num_hidden_layers", source);
        int heads = requiredInt(json, "num_attention_heads", source);
        int vocab = requiredInt(json, "vocab_size", source);
        Object kv = json.get("num_key_value_heads");
        int kvHeads = kv == null ? heads : Json.asInt(kv, source + ": num_key_value_heads");
        Object seq = json.get("max_position_embeddings");
        int maxSeq = seq == null ? 2048 : Json.asInt(seq, source + ": max_position_embeddings");
        Object eps = json.get("rms_norm_eps");
        Object theta = json.get("rope_theta");
        Object tie = json.get("tie_word_embeddings");
        reject(json, "rope_scaling", null, source);
        reject(json, "attention_bias", Boolean.FALSE, source);
        reject(json, "mlp_bias", Boolean.FALSE, source);
        reject(json, "hidden_act", "silu", source);
        Object hd = json.get("head_dim");
        if (hd != null && heads > 0 && Json.asInt(hd, source + ": head_dim") * (long) heads != dim)
            throw new IllegalArgumentException(source + ": head_dim = " + hd + " but hidden_size / num_attention_heads = " + dim / heads);
        try {
            return new LlamaConfig(dim, hidden, layers, heads, kvHeads, vocab, maxSeq,
                    eps == null ? 1e-6 : Json.asDouble(eps, source + ": rms_norm_eps"),
                    theta == null ? 10000.0 : Json.asDouble(theta, source + ": rope_theta"),
                    tie != null && Json.asBoolean(tie, source + ": tie_word_embeddings"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static int requiredInt(Map<String, Object> json, String key, String source) {
        Object v = json.get(key);
        if (v == null) throw new IllegalArgumentException(source + ": missing field " + key);
        return Json.asInt(v, source + ": " + key);
    }

    /** A field that must be absent, null, or equal to {@code allowed}. */
    private static void reject(Map<String, Object> json, String key, Object allowed, String source) {
        Object v = json.get(key);
        if (v != null && !v.equals(allowed))
            throw new IllegalArgumentException(source + ": " + key + " = " + Json.write(v) + " is not supported"
                    + (allowed == null ? "" : " (only " + Json.write(allowed) + ")"));
    }

    /**
     * All tensors of the directory under their file names, without checks or permutation: from
     * model.safetensors if present, else from the shards that model.safetensors.index.json lists.
     */
    public static LinkedHashMap<String, Tensor> readTensors(Path dir) throws IOException {
        Path single = dir.resolve(SINGLE);
        if (Files.isRegularFile(single)) return SafeTensors.load(single);
        Path index = dir.resolve(INDEX);
        if (!Files.isRegularFile(index)) throw new NoSuchFileException(dir.toString(), null, "neither " + SINGLE + " nor " + INDEX + " found");
        Map<String, Object> top = Json.asObject(Json.parse(Files.readAllBytes(index), index.toString()), index.toString());
        Map<String, Object> map = Json.asObject(top.get("weight_map"), index + ": weight_map");
        LinkedHashMap<String, List<String>> byShard = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String shard = Json.asString(e.getValue(), index + ": weight_map entry " + Json.write(e.getKey()));
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..") || shard.equals("."))
                throw new IllegalArgumentException(index + ": shard name " + Json.write(shard) + " is not a plain file name");
            byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(e.getKey());
        }
        LinkedHashMap<String, Tensor> got = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
            Path shard = dir.resolve(e.getKey());
            try (SafeTensors.Reader r = SafeTensors.Reader.open(shard)) {
                for (String name : e.getValue()) {
                    if (!r.entries().containsKey(name))
                        throw new IllegalArgumentException(index + ": tensor " + name + " is mapped to " + e.getKey() + ", which does not hold it");
                    got.put(name, r.read(name));
                }
                for (String name : r.entries().keySet())
                    if (!e.getValue().contains(name))
                        throw new IllegalArgumentException(shard + ": holds tensor " + name + " that " + INDEX + " does not map to it");
            }
        }
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (String name : map.keySet()) out.put(name, got.get(name));
        return out;
    }

    // ---------------------------------------------------------------- save

    /** Saves as float32: config.json + model.safetensors with q/k permuted to the HF layout. */
    public static void save(Path dir, LlamaConfig c, Map<String, Tensor> weights) throws IOException {
        save(dir, c, weights, DType.F32);
    }

    /** As {@link #save(Path, LlamaConfig, Map)}, storing floats as F32, BF16 or F16. */
    public static void save(Path dir, LlamaConfig c, Map<String, Tensor> weights, DType storage) throws IOException {
        LlamaWeights.check(c, weights, "HF writer for " + dir);
        LinkedHashMap<String, Tensor> hf = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            Tensor t = e.getValue();
            if (e.getKey().endsWith(LlamaWeights.WQ)) t = toHf(t, c.nHeads());
            else if (e.getKey().endsWith(LlamaWeights.WK)) t = toHf(t, c.nKvHeads());
            hf.put(e.getKey(), t);
        }
        writeRaw(dir, configJson(c, storage), hf, storage);
    }

    /** The config.json object {@link #save} writes; extend it and pass it to {@link #writeRaw}. */
    public static LinkedHashMap<String, Object> configJson(LlamaConfig c, DType storage) {
        LinkedHashMap<String, Object> j = new LinkedHashMap<>();
        j.put("architectures", List.of("LlamaForCausalLM"));
        j.put("model_type", "llama");
        j.put("hidden_size", c.dim());
        j.put("intermediate_size", c.hiddenDim());
        j.put("num_hidden_layers", c.nLayers());
        j.put("num_attention_heads", c.nHeads());
        j.put("num_key_value_heads", c.nKvHeads());
        j.put("vocab_size", c.vocabSize());
        j.put("max_position_embeddings", c.maxSeqLen());
        j.put("rms_norm_eps", c.normEps());
        j.put("rope_theta", c.ropeTheta());
        j.put("tie_word_embeddings", c.tiedEmbeddings());
        j.put("hidden_act", "silu");
        j.put("torch_dtype", torchDtype(storage));
        return j;
    }

    private static String torchDtype(DType d) {
        return switch (d) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> throw new IllegalArgumentException("HF writer: storage dtype must be F32, BF16 or F16, got " + d);
        };
    }

    /**
     * Writes {@code config} as config.json and {@code tensors} (already in file layout and naming) as
     * model.safetensors with metadata format=pt (transformers refuses files without it). Each file is
     * written atomically; the directory is created if needed.
     */
    public static void writeRaw(Path dir, Map<String, Object> config, Map<String, Tensor> tensors, DType storage) throws IOException {
        torchDtype(storage); // validates
        Files.createDirectories(dir);
        SafeTensors.save(dir.resolve(SINGLE), tensors, Map.of("format", "pt"), storage);
        byte[] json = Json.writePretty(config).getBytes(StandardCharsets.UTF_8);
        BinIO.atomicWrite(dir.resolve(CONFIG), out -> out.bytes(json));
    }

    // ---------------------------------------------------------------- q/k permutation

    /**
     * Meta (interleaved rotary pairs) rows to HF (rotate-half) rows, per head: HF row
     * h·D + j·D/2 + i = Meta row h·D + 2i + j, i.e. {@code w.view(H, D/2, 2, C).transpose(1, 2)}.
     *
     * @param w [H·D, C]
     */
    public static Tensor toHf(Tensor w, int nHeads) {
        return permuteRows(w, nHeads, true);
    }

    /** The inverse of {@link #toHf}: HF rows back to the Meta layout. */
    public static Tensor fromHf(Tensor w, int nHeads) {
        return permuteRows(w, nHeads, false);
    }

    private static Tensor permuteRows(Tensor w, int nHeads, boolean toHf) {
        int[] s = w.shape();
        if (s.length != 2 || nHeads <= 0 || s[0] % nHeads != 0 || (s[0] / nHeads) % 2 != 0)
            throw new IllegalArgumentException("q/k permutation: shape " + Shape.str(s) + " does not split into " + nHeads + " heads of even size");
        int D = s[0] / nHeads, half = D / 2, C = s[1];
        float[] in = LlamaWeights.f32(w.dtype() == DType.F32 ? w : w.to(DType.F32));
        float[] out = new float[in.length];
        for (int h = 0; h < nHeads; h++)
            for (int i = 0; i < half; i++)
                for (int j = 0; j < 2; j++) {
                    int meta = h * D + 2 * i + j, hf = h * D + j * half + i;
                    int from = toHf ? meta : hf, to = toHf ? hf : meta;
                    System.arraycopy(in, from * C, out, to * C, C);
                }
        return Tensor.of(out, s);
    }
}
