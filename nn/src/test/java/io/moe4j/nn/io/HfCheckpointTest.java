package io.moe4j.nn.io;

import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.io.Checkpoints.Format;
import io.moe4j.nn.io.Checkpoints.Loaded;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Half;
import io.moe4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.moe4j.nn.io.IoTestSupport.assertBitIdentical;
import static io.moe4j.nn.io.IoTestSupport.assertOneLineError;
import static io.moe4j.nn.io.IoTestSupport.bits;
import static io.moe4j.nn.io.IoTestSupport.io;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class HfCheckpointTest {
    @TempDir
    Path tmp;

    private static float[] rows(int... r) {
        float[] f = new float[r.length];
        for (int k = 0; k < r.length; k++) f[k] = r[k];
        return f;
    }

    @Test
    void permutationMatchesTheHfFormulaByHand() {
        // One column, row values = Meta row index. HF: w.view(H, D/2, 2, C).transpose(1, 2).reshape(H*D, C).
        // H=1, D=4: view [[0,1],[2,3]] -> transpose [[0,2],[1,3]] -> rows 0,2,1,3.
        assertArrayEquals(rows(0, 2, 1, 3), HfCheckpoint.toHf(Tensor.of(rows(0, 1, 2, 3), 4, 1), 1).toFloatArray());
        // H=1, D=6: [[0,1],[2,3],[4,5]] -> [[0,2,4],[1,3,5]].
        assertArrayEquals(rows(0, 2, 4, 1, 3, 5), HfCheckpoint.toHf(Tensor.of(rows(0, 1, 2, 3, 4, 5), 6, 1), 1).toFloatArray());
        // H=2, D=4: each head on its own.
        assertArrayEquals(rows(0, 2, 1, 3, 4, 6, 5, 7),
                HfCheckpoint.toHf(Tensor.of(rows(0, 1, 2, 3, 4, 5, 6, 7), 8, 1), 2).toFloatArray());
        assertArrayEquals(rows(0, 1, 2, 3, 4, 5), HfCheckpoint.fromHf(Tensor.of(rows(0, 2, 4, 1, 3, 5), 6, 1), 1).toFloatArray());
    }

    @Test
    void permutationEqualsTheTensorViewFormula() {
        int H = 4, D = 8, C = 5;
        Tensor w = Tensor.randn(11, DType.F32, 1, H * D, C);
        Tensor viaViews = w.reshape(H, D / 2, 2, C).transpose(1, 2).reshape(H * D, C);
        assertArrayEquals(bits(viaViews), bits(HfCheckpoint.toHf(w, H)));
        assertArrayEquals(bits(w), bits(HfCheckpoint.fromHf(viaViews, H)));
    }

    @Test
    void saveAndLoadRoundTripsStories260KBitExactly() throws IOException {
        Loaded ref = Llama2cCheckpoint.load(IoTestSupport.v1());
        Path dir = tmp.resolve("hf");
        HfCheckpoint.save(dir, ref.config(), ref.weights());
        Loaded back = Checkpoints.load(dir);
        assertEquals(Format.HF, back.format());
        assertEquals(ref.config(), back.config());
        assertBitIdentical(ref.weights(), back.weights());

        // On disk q/k are in the HF layout: different from ours, equal to the view formula (H=8, kv H=4, D=8).
        LinkedHashMap<String, Tensor> raw = SafeTensors.load(dir.resolve(HfCheckpoint.SINGLE));
        for (String name : List.of(LlamaWeights.layer(0, LlamaWeights.WQ), LlamaWeights.layer(4, LlamaWeights.WK))) {
            Tensor ours = ref.weights().get(name);
            int heads = name.contains("q_proj") ? 8 : 4;
            assertFalse(java.util.Arrays.equals(bits(ours), bits(raw.get(name))), name + " must be permuted on disk");
            assertArrayEquals(bits(ours.reshape(heads, 4, 2, 64).transpose(1, 2).reshape(heads * 8, 64)), bits(raw.get(name)), name);
        }
        String v = LlamaWeights.layer(2, LlamaWeights.WV);
        assertArrayEquals(bits(ref.weights().get(v)), bits(raw.get(v)), "v is not permuted");
        try (SafeTensors.Reader r = SafeTensors.Reader.open(dir.resolve(HfCheckpoint.SINGLE))) {
            assertEquals(Map.of("format", "pt"), r.metadata());
        }

        Map<String, Object> cfg = HfCheckpoint.readConfigJson(dir);
        assertEquals(List.of("LlamaForCausalLM"), cfg.get("architectures"));
        assertEquals("llama", cfg.get("model_type"));
        assertEquals("float32", cfg.get("torch_dtype"));
        assertEquals(64L, cfg.get("hidden_size"));
        assertEquals(true, cfg.get("tie_word_embeddings"));
        assertEquals(1e-5, cfg.get("rms_norm_eps"));
    }

    @Test
    void untiedBf16RoundTrip() throws IOException {
        LlamaConfig c = new LlamaConfig(16, 24, 2, 4, 2, 11, 32, 1e-6, 500000.0, false);
        LinkedHashMap<String, Tensor> w = IoTestSupport.randomWeights(c, 3);
        Path dir = tmp.resolve("bf16");
        HfCheckpoint.save(dir, c, w, DType.BF16);
        assertEquals("bfloat16", HfCheckpoint.readConfigJson(dir).get("torch_dtype"));
        Loaded back = HfCheckpoint.load(dir);
        assertEquals(c, back.config());
        for (String name : w.keySet()) {
            float[] want = w.get(name).toFloatArray(), got = back.weights().get(name).toFloatArray();
            for (int k = 0; k < want.length; k++) assertEquals(Half.bf16ToFloat(Half.floatToBf16(want[k])), got[k], name);
        }
    }

    @Test
    void loadsShardedCheckpoints() throws IOException {
        LlamaConfig c = LlamaConfig.llama2c(16, 24, 3, 4, 2, 11, 32, false);
        LinkedHashMap<String, Tensor> w = IoTestSupport.randomWeights(c, 5);
        // The files hold the HF layout, so permute q/k as an HF exporter would.
        Map<String, Tensor> a = new TreeMap<>(), b = new TreeMap<>();
        Map<String, Object> weightMap = new LinkedHashMap<>();
        int k = 0;
        for (Map.Entry<String, Tensor> e : w.entrySet()) {
            Tensor t = e.getValue();
            if (e.getKey().endsWith("q_proj.weight")) t = t.reshape(4, 2, 2, 16).transpose(1, 2).reshape(16, 16);
            if (e.getKey().endsWith("k_proj.weight")) t = t.reshape(2, 2, 2, 16).transpose(1, 2).reshape(8, 16);
            String shard = k++ % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            (shard.contains("00001-") ? a : b).put(e.getKey(), t);
            weightMap.put(e.getKey(), shard);
        }
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        SafeTensors.save(dir.resolve("model-00001-of-00002.safetensors"), a);
        SafeTensors.save(dir.resolve("model-00002-of-00002.safetensors"), b);
        writeJson(dir.resolve(HfCheckpoint.INDEX), Map.of("metadata", Map.of("total_size", 0L), "weight_map", weightMap));
        writeJson(dir.resolve(HfCheckpoint.CONFIG), HfCheckpoint.configJson(c, DType.F32));
        Loaded back = HfCheckpoint.load(dir);
        assertEquals(c, back.config());
        assertBitIdentical(w, back.weights());

        // An index that maps a tensor to the wrong shard is named in the error.
        String moved = LlamaWeights.layer(0, LlamaWeights.WQ);
        weightMap.put(moved, "model-00002-of-00002.safetensors".equals(weightMap.get(moved)) ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        writeJson(dir.resolve(HfCheckpoint.INDEX), Map.of("weight_map", weightMap));
        // Either the shard it left or the one it was sent to is reported, both naming the tensor and the index.
        assertOneLineError(io(() -> HfCheckpoint.load(dir)), moved, HfCheckpoint.INDEX);
        weightMap.put(moved, "../evil.safetensors");
        writeJson(dir.resolve(HfCheckpoint.INDEX), Map.of("weight_map", weightMap));
        assertOneLineError(io(() -> HfCheckpoint.load(dir)), "not a plain file name");
    }

    private static void writeJson(Path p, Object json) throws IOException {
        Files.writeString(p, Json.writePretty(json), StandardCharsets.UTF_8);
    }

    @Test
    void configDefaultsAndUnsupportedFeatures() {
        Map<String, Object> j = new LinkedHashMap<>(Map.of("hidden_size", 32L, "intermediate_size", 40L,
                "num_hidden_layers", 2L, "num_attention_heads", 4L, "vocab_size", 100L));
        LlamaConfig c = HfCheckpoint.parseConfig(j, "cfg.json");
        assertEquals(new LlamaConfig(32, 40, 2, 4, 4, 100, 2048, 1e-6, 10000.0, false), c);
        j.put("num_key_value_heads", 3L);
        assertOneLineError(() -> HfCheckpoint.parseConfig(j, "cfg.json"), "cfg.json", "n_kv_heads = 3");
        j.put("num_key_value_heads", 2L);
        j.put("rope_scaling", Map.of("type", "linear", "factor", 2.0));
        assertOneLineError(() -> HfCheckpoint.parseConfig(j, "cfg.json"), "cfg.json", "rope_scaling");
        j.remove("rope_scaling");
        j.put("hidden_size", 32.5);
        assertOneLineError(() -> HfCheckpoint.parseConfig(j, "cfg.json"), "cfg.json: hidden_size must be an integer");
        j.remove("hidden_size");
        assertOneLineError(() -> HfCheckpoint.parseConfig(j, "cfg.json"), "cfg.json: missing field hidden_size");
    }

    @Test
    void missingExtraAndMisShapedTensorsAreNamed() throws IOException {
        LlamaConfig c = LlamaConfig.llama2c(16, 24, 1, 4, 2, 11, 32, true);
        LinkedHashMap<String, Tensor> w = IoTestSupport.randomWeights(c, 9);
        Path dir = tmp.resolve("bad");
        Map<String, Object> cfg = HfCheckpoint.configJson(c, DType.F32);

        Map<String, Tensor> missing = new LinkedHashMap<>(w);
        missing.remove(LlamaWeights.layer(0, LlamaWeights.DOWN));
        HfCheckpoint.writeRaw(dir, cfg, missing, DType.F32);
        assertOneLineError(io(() -> HfCheckpoint.load(dir)), dir.toString(), "missing tensor model.layers.0.mlp.down_proj.weight");

        Map<String, Tensor> extra = new LinkedHashMap<>(w);
        extra.put(LlamaWeights.LM_HEAD, Tensor.zeros(DType.F32, 11, 16));
        extra.put("model.layers.0.self_attn.rotary_emb.inv_freq", Tensor.zeros(DType.F32, 2)); // tolerated buffer
        HfCheckpoint.writeRaw(dir, cfg, extra, DType.F32);
        assertOneLineError(io(() -> HfCheckpoint.load(dir)), "unexpected tensor lm_head.weight", "tied");

        Map<String, Tensor> shaped = new LinkedHashMap<>(w);
        shaped.put(LlamaWeights.layer(0, LlamaWeights.WK), Tensor.zeros(DType.F32, 16, 16));
        HfCheckpoint.writeRaw(dir, cfg, shaped, DType.F32);
        assertOneLineError(io(() -> HfCheckpoint.load(dir)), "model.layers.0.self_attn.k_proj.weight", "[16, 16]", "[8, 16]");

        Path empty = tmp.resolve("empty");
        HfCheckpoint.writeRaw(empty, cfg, w, DType.F32);
        Files.delete(empty.resolve(HfCheckpoint.SINGLE));
        assertEquals(java.nio.file.NoSuchFileException.class,
                org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> HfCheckpoint.load(empty)).getClass());
    }
}
