package io.moe4j.moe;

import io.moe4j.nn.DecoderBlock;
import io.moe4j.nn.FeedForward;
import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.LlamaModel;
import io.moe4j.nn.io.Checkpoints;
import io.moe4j.nn.io.HfCheckpoint;
import io.moe4j.nn.io.LlamaWeights;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads and saves dense and MoE models alike: a llama2.c {@code .bin} file, an HF LLaMA directory,
 * or an HF LLaMA-MoE directory (config.json with the fields of {@link MoeConfig}).
 */
public final class Models {
    private Models() {}

    /** A loaded model; {@code moe} is null for a dense one. */
    public record Loaded(LlamaModel model, MoeConfig moe, Path source) {
        public LlamaConfig config() { return model.config(); }
        public boolean isMoe() { return moe != null; }
    }

    public static Loaded load(Path path) throws IOException {
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString(), null, "no model file or directory here");
        if (Files.isDirectory(path) && Files.exists(path.resolve(HfCheckpoint.CONFIG))) {
            Map<String, Object> json = HfCheckpoint.readConfigJson(path);
            if (MoeConfig.isMoe(json)) return loadMoe(path, json);
        }
        Checkpoints.Loaded c = Checkpoints.load(path);
        return new Loaded(LlamaModel.fromStateDict(c.config(), c.weights()), null, path);
    }

    private static Loaded loadMoe(Path dir, Map<String, Object> json) throws IOException {
        String source = dir.resolve(HfCheckpoint.CONFIG).toString();
        LlamaConfig cfg = HfCheckpoint.parseConfig(json, source);
        MoeConfig moe = MoeConfig.fromJson(json, cfg.nLayers(), cfg.hiddenDim(), source);
        LinkedHashMap<String, Tensor> raw = HfCheckpoint.readTensors(dir);
        LlamaModel m = withMoe(new LlamaModel(cfg, DType.F32), moe, 0);
        for (int l = 0; l < cfg.nLayers(); l++) { // HF stores q/k permuted for rotate-half RoPE
            unpermute(raw, LlamaWeights.layer(l, LlamaWeights.WQ), cfg.nHeads(), dir);
            unpermute(raw, LlamaWeights.layer(l, LlamaWeights.WK), cfg.nKvHeads(), dir);
        }
        raw.keySet().removeIf(k -> k.endsWith("rotary_emb.inv_freq"));
        m.loadStateDict(raw);
        return new Loaded(m, moe, dir);
    }

    private static void unpermute(Map<String, Tensor> raw, String name, int heads, Path dir) {
        Tensor t = raw.get(name);
        if (t == null) throw new IllegalArgumentException(dir + ": missing tensor " + name);
        raw.put(name, HfCheckpoint.fromHf(t, heads));
    }

    /** Replaces every layer's FFN with a freshly initialised MoE layer of the given specs. */
    public static LlamaModel withMoe(LlamaModel m, MoeConfig moe, long seed) {
        if (moe.layers().size() != m.numLayers())
            throw new IllegalArgumentException("MoE config has " + moe.layers().size() + " layers, the model " + m.numLayers());
        for (int l = 0; l < m.numLayers(); l++)
            m.layer(l).setFfn(new MoeFfn(m.config().dim(), moe.layer(l), m.dtype(), seed + 7919L * l));
        return m;
    }

    /** The MoE config of a model whose FFNs are MoE layers, or null for a dense model. */
    public static MoeConfig moeConfigOf(LlamaModel m) {
        List<MoeSpec> specs = new ArrayList<>();
        for (DecoderBlock b : m.layers()) {
            FeedForward f = b.ffn();
            if (!(f instanceof MoeFfn mf)) return null;
            specs.add(mf.spec());
        }
        return new MoeConfig(specs);
    }

    /** Saves as an HF directory: plain LLaMA for a dense model, LLaMA-MoE fields for an MoE one. */
    public static void save(LlamaModel m, Path dir) throws IOException {
        MoeConfig moe = moeConfigOf(m);
        LlamaConfig cfg = m.config();
        if (moe == null) {
            HfCheckpoint.save(dir, cfg, m.stateDict());
            return;
        }
        Map<String, Object> json = HfCheckpoint.configJson(cfg, DType.F32);
        json.put("intermediate_size", moe.layer(0).totalWidth());
        json.putAll(moe.toJson());
        LinkedHashMap<String, Tensor> sd = m.stateDict();
        for (int l = 0; l < cfg.nLayers(); l++) {
            String q = LlamaWeights.layer(l, LlamaWeights.WQ), k = LlamaWeights.layer(l, LlamaWeights.WK);
            sd.put(q, HfCheckpoint.toHf(sd.get(q), cfg.nHeads()));
            sd.put(k, HfCheckpoint.toHf(sd.get(k), cfg.nKvHeads()));
        }
        HfCheckpoint.writeRaw(dir, json, sd, DType.F32);
    }
}
