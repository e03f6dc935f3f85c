package io.moe4j.train.init;

import io.moe4j.moe.Models;
import io.moe4j.moe.MoeConfig;
import io.moe4j.moe.MoeSpec;
import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.LlamaModel;
import io.moe4j.nn.io.HfCheckpoint;
import io.moe4j.nn.io.Json;
import io.moe4j.tensor.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A freshly initialised model for the from-scratch baseline (METHOD.md §7.2): the shape from an HF-style
 * config.json, weights N(0, 0.02) and unit norms (HF's init), and, when asked or when the config has LLaMA-MoE fields,
 * every FFN replaced by an MoE layer with fresh experts and router (noise weights zero). Seeded, so the same
 * command gives the same model.
 */
public final class ModelInit {
    private ModelInit() {}

    /**
     * @param experts N experts per layer (0: dense unless the config itself describes an MoE)
     * @param topK    k selected experts
     * @param scale   score scale factor (null: N/k)
     */
    public static LlamaModel create(Path configFile, int experts, int topK, Double scale, long seed) {
        String source = configFile.toString();
        Map<String, Object> json;
        try {
            if (!Files.isRegularFile(configFile)) throw new IllegalArgumentException("--config " + configFile + ": no such file");
            json = Json.asObject(Json.parse(Files.readAllBytes(configFile), source), source);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --config " + configFile + ": " + e.getMessage(), e);
        }
        LlamaConfig cfg = HfCheckpoint.parseConfig(json, source);
        MoeConfig moe = null;
        if (MoeConfig.isMoe(json)) {
            if (experts > 0) throw new IllegalArgumentException("--config " + configFile + " already describes an MoE model; drop --moe-experts");
            moe = MoeConfig.fromJson(json, cfg.nLayers(), cfg.hiddenDim(), source);
        } else if (experts > 0) {
            moe = moeConfig(cfg, experts, topK, scale);
        } else if (scale != null || topK != 2) {
            throw new IllegalArgumentException("--top-k and --scale need --moe-experts N");
        }
        LlamaModel m = LlamaModel.random(cfg, DType.F32, seed);
        return moe == null ? m : Models.withMoe(m, moe, seed + 1);
    }

    /** N experts of I/N neurons per layer (the first I mod N experts one wider), top-k, sf = N/k by default. */
    static MoeConfig moeConfig(LlamaConfig cfg, int n, int k, Double scale) {
        int width = cfg.hiddenDim();
        if (n > width) throw new IllegalArgumentException("--moe-experts " + n + " is more than the " + width + " FFN neurons");
        if (k < 1 || k > n) throw new IllegalArgumentException("--top-k " + k + " must be between 1 and --moe-experts " + n);
        int[] sizes = new int[n];
        for (int j = 0; j < n; j++) sizes[j] = width / n + (j < width % n ? 1 : 0);
        MoeSpec spec = MoeSpec.llamaMoe(sizes, k).withScale(scale == null ? (double) n / k : scale);
        List<MoeSpec> layers = new ArrayList<>();
        for (int l = 0; l < cfg.nLayers(); l++) layers.add(spec);
        return new MoeConfig(layers);
    }

    /** Creates and saves the model (HF format, with the tokenizer copied when given); returns it. */
    public static LlamaModel createAndSave(Path configFile, Path out, int experts, int topK, Double scale, long seed, Path tokenizer) {
        LlamaModel m = create(configFile, experts, topK, scale, seed);
        try {
            if (Files.isDirectory(out) && Files.list(out).findAny().isPresent())
                throw new IllegalArgumentException("--out " + out + " is not empty");
            io.moe4j.train.run.Checkpoint.saveModel(m, out, tokenizer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model to " + out + ": " + e.getMessage(), e);
        }
        return m;
    }
}
