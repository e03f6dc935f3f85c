package io.moe4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moe4j.eval.CostModel;
import io.moe4j.eval.ModelFiles;
import io.moe4j.moe.Models;
import io.moe4j.moe.MoeConfig;
import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.io.HfCheckpoint;
import io.moe4j.nn.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moe4j info}: shape, parameter counts and forward FLOPs per token of a dense or MoE model,
 * from a model or from a config.json alone (see {@link CostModel} for the exact counting rules).
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Layers, experts, total and activated parameters and forward FLOPs/token of a dense or MoE model "
                + "(from a model, or a config.json without weights).")
public final class InfoCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--model", description = "llama2.c .bin file or HF (LLaMA or LLaMA-MoE) directory.")
        Path model;

        @Option(names = "--config", description = "HF config.json (LLaMA or LLaMA-MoE), or a directory holding one.")
        Path config;
    }

    @Option(names = "--context", description = "Context length T for the attention FLOPs (default: the model's max_seq_len).")
    Integer context;

    @Option(names = "--json", description = "Print the numbers as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        LlamaConfig cfg;
        MoeConfig moe;
        Long loadedParams = null;
        String what;
        if (source.config != null || (Files.isDirectory(source.model) && Files.isRegularFile(source.model.resolve(HfCheckpoint.CONFIG)))) {
            Path p = source.config != null ? ModelFiles.existing(source.config, "--config") : source.model;
            Path file = Files.isDirectory(p) ? p.resolve(HfCheckpoint.CONFIG) : p;
            ModelFiles.existing(file, source.config != null ? "--config" : "--model");
            Map<String, Object> fields = Json.asObject(Json.parse(Files.readAllBytes(file), file.toString()), file.toString());
            cfg = HfCheckpoint.parseConfig(fields, file.toString());
            moe = MoeConfig.isMoe(fields) ? MoeConfig.fromJson(fields, cfg.nLayers(), cfg.hiddenDim(), file.toString()) : null;
            what = file.toString();
        } else {
            Models.Loaded l = ModelFiles.load(source.model);
            cfg = l.config();
            moe = l.moe();
            loadedParams = l.model().parameterCount();
            what = source.model.toString();
        }
        int t = context == null ? cfg.maxSeqLen() : context;
        CostModel.Cost cost = CostModel.of(cfg, moe, t);
        if (json) System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json(what, cfg, moe, cost)));
        else System.out.print(report(what, cfg, moe, cost, loadedParams));
        return 0;
    }

    static Map<String, Object> json(String what, LlamaConfig c, MoeConfig moe, CostModel.Cost cost) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", what);
        m.put("moe", moe != null);
        m.put("layers", c.nLayers());
        m.put("dim", c.dim());
        m.put("ffn_width", c.hiddenDim());
        m.put("vocab_size", c.vocabSize());
        m.put("experts", cost.experts());
        m.put("top_k", cost.topK());
        m.put("total_params", cost.totalParams());
        m.put("activated_params", cost.activatedParams());
        m.put("matmul_params", cost.matmulParams());
        m.put("attention_flops", cost.attentionFlops());
        m.put("context", cost.context());
        m.put("flops_per_token", cost.flopsPerToken());
        return m;
    }

    static String report(String what, LlamaConfig c, MoeConfig moe, CostModel.Cost cost, Long loadedParams) {
        StringBuilder b = new StringBuilder();
        b.append(what).append(": ").append(moe == null ? "dense LLaMA" : "LLaMA-MoE").append('\n');
        b.append(String.format(Locale.ROOT, "  layers %d, dim %d, heads %d (kv %d), FFN width %d, vocab %d, max_seq_len %d, %s embeddings%n",
                c.nLayers(), c.dim(), c.nHeads(), c.nKvHeads(), c.hiddenDim(), c.vocabSize(), c.maxSeqLen(),
                c.tiedEmbeddings() ? "tied" : "untied"));
        if (moe != null) {
            var s = moe.layer(0);
            b.append(String.format(Locale.ROOT, "  experts %d, top-%d, expert sizes %s (layer 0), gate %s/%s, scale factor %s%n",
                    moe.numExperts(), moe.topK(), sizes(s.sizes()), s.gate().configName, s.network().configName(), fmt(s.scale())));
        }
        b.append(String.format(Locale.ROOT, "  total params      %,d (%s)%n", cost.totalParams(), human(cost.totalParams())));
        b.append(String.format(Locale.ROOT, "  activated params  %,d (%s)%s%n", cost.activatedParams(), human(cost.activatedParams()),
                moe == null ? "" : ", router noise weights counted in total only"));
        if (loadedParams != null && loadedParams != cost.totalParams())
            b.append(String.format(Locale.ROOT, "  (the loaded model holds %,d parameters)%n", loadedParams));
        b.append(String.format(Locale.ROOT, "  FLOPs/token       %,d (%s) = 2 x %,d matmul params + %,d attention at context %d%n",
                cost.flopsPerToken(), human(cost.flopsPerToken()), cost.matmulParams(), cost.attentionFlops(), cost.context()));
        if (moe != null) {
            CostModel.Cost dense = CostModel.of(c, null, cost.context());
            b.append(String.format(Locale.ROOT, "  dense model of this shape (FFN width %d): %s params, %s FLOPs/token; MoE activates %.1f%% of its params%n",
                    c.hiddenDim(), human(dense.totalParams()), human(dense.flopsPerToken()),
                    100.0 * cost.activatedParams() / dense.totalParams()));
        }
        return b.toString();
    }

    private static String sizes(int[] s) {
        int min = Integer.MAX_VALUE, max = 0;
        for (int x : s) { min = Math.min(min, x); max = Math.max(max, x); }
        return min == max ? s.length + "x" + min : min + ".." + max;
    }

    private static String fmt(double x) {
        return x == Math.rint(x) ? String.valueOf((long) x) : String.format(Locale.ROOT, "%.4g", x);
    }

    static String human(long n) {
        if (n >= 1_000_000_000L) return String.format(Locale.ROOT, "%.3f B", n / 1e9);
        if (n >= 1_000_000L) return String.format(Locale.ROOT, "%.3f M", n / 1e6);
        if (n >= 1_000L) return String.format(Locale.ROOT, "%.3f K", n / 1e3);
        return Long.toString(n);
    }
}
