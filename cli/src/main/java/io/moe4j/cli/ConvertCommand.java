package io.moe4j.cli;

import io.moe4j.data.corpus.Split;
import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.data.tokenizer.Tokenizers;
import io.moe4j.eval.CostModel;
import io.moe4j.eval.ModelFiles;
import io.moe4j.eval.TextCorpus;
import io.moe4j.moe.Converter;
import io.moe4j.moe.Converter.Method;
import io.moe4j.moe.GateNetwork;
import io.moe4j.moe.GateType;
import io.moe4j.moe.Importance;
import io.moe4j.moe.Models;
import io.moe4j.nn.LlamaModel;
import io.moe4j.nn.SwiGluFfn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moe4j convert}: dense LLaMA to LLaMA-MoE with {@link Converter} (METHOD.md §3). Every
 * option is checked before the model is loaded; the result is an HF LLaMA-MoE directory with the
 * model's tokenizer copied beside it, so the other commands find it.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Split the FFNs of a dense LLaMA into experts (random, clustering, sharing-inner, upcycle) and save an "
                + "HF LLaMA-MoE directory. The router is freshly initialised: the model needs continual pre-training.")
public final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Dense llama2.c .bin file or HF LLaMA directory.")
    Path model;

    @Option(names = "--out", required = true, description = "Output directory (must not exist or be empty).")
    Path out;

    @Option(names = "--method", required = true, description = "random, clustering, sharing-inner or upcycle.")
    String method;

    @Option(names = "--experts", required = true, description = "N, experts per layer.")
    int experts;

    @Option(names = "--top-k", required = true, description = "k, experts per token (1..N).")
    int topK;

    @Option(names = "--scale", defaultValue = "N/K", description = "Score scale factor sf: N/K (default) or a number > 0.")
    String scale;

    @Option(names = "--gate", defaultValue = "mlp", description = "Router network: mlp (W2·tanh(W1·x), default) or linear.")
    String gate;

    @Option(names = "--gate-type", defaultValue = "topk", description = "topk (noisy top-k, default), switch (k = 1) or mixtral.")
    String gateType;

    @Option(names = "--seed", defaultValue = "1227", description = "Split and router-init seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", description = "Corpus directory or JSONL file for sharing-inner's importance scores (train split).")
    Path data;

    @Option(names = "--tokenizer", description = "Tokenizer (default: the one beside the model).")
    Path tokenizer;

    @Option(names = "--docs", defaultValue = "64", description = "Documents for the importance scores (default: ${DEFAULT-VALUE}).")
    int docs;

    @Override
    public Integer call() throws Exception {
        Converter.Options opt = options(); // option errors first, before any file is read
        ModelFiles.existing(model, "--model");
        checkOut();
        Path tokPath = tokenizerOrNull(opt.method());
        if (opt.method().needsData()) {
            ModelFiles.existing(data, "--data");
            if (docs < experts) throw new IllegalArgumentException("--docs " + docs + " must be >= --experts " + experts + " (one data cluster per expert)");
        }
        long t0 = System.nanoTime();
        Models.Loaded loaded = ModelFiles.load(model);
        LlamaModel dense = loaded.model();
        checkDense(loaded);
        if (opt.method().needsData()) opt = opt.withImportance(importance(dense, tokPath, opt), 0);
        Converter.validate(dense, opt);
        LlamaModel moe = Converter.convert(dense, opt, System.err::println);
        Models.save(moe, out);
        if (tokPath != null) Files.copy(tokPath, out.resolve(canonicalName(tokPath)), StandardCopyOption.REPLACE_EXISTING);
        double secs = (System.nanoTime() - t0) / 1e9;
        summary(loaded, moe, opt, tokPath, secs);
        return 0;
    }

    /** Parses and cross-checks the conversion options. */
    Converter.Options options() {
        Method m = Method.parse(method);
        if (experts < 1) throw new IllegalArgumentException("--experts must be >= 1, got " + experts);
        if (topK < 1 || topK > experts) throw new IllegalArgumentException("--top-k " + topK + " must be between 1 and --experts " + experts);
        GateNetwork net = GateNetwork.parse(gate);
        GateType type = gateType(gateType);
        if (type == GateType.SWITCH && topK != 1)
            throw new IllegalArgumentException("--gate-type switch routes every token to exactly one expert: --top-k must be 1, got " + topK);
        if (m.needsData() && data == null)
            throw new IllegalArgumentException("--method " + m.cliName() + " needs --data (a corpus for the neuron importance scores)");
        return Converter.Options.of(m, experts, topK).withScale(scale()).withGate(type, net).withSeed(seed);
    }

    private Double scale() {
        if (scale.equalsIgnoreCase("N/K")) return null;
        double sf;
        try {
            sf = Double.parseDouble(scale);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--scale must be N/K or a number > 0, got '" + scale + "'");
        }
        if (!(sf > 0) || Double.isInfinite(sf)) throw new IllegalArgumentException("--scale must be > 0, got " + scale);
        return sf;
    }

    static GateType gateType(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "topk", "top-k", "noisy" -> GateType.TOP_K_NOISY;
            case "switch" -> GateType.SWITCH;
            case "mixtral" -> GateType.MIXTRAL;
            default -> {
                try {
                    yield GateType.parse(s);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--gate-type must be topk, switch or mixtral, got '" + s + "'");
                }
            }
        };
    }

    private void checkOut() throws Exception {
        if (Files.isRegularFile(out)) throw new IllegalArgumentException("--out " + out + " is a file, expected a directory");
        if (Files.isDirectory(out)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) throw new IllegalArgumentException("--out " + out + " exists and is not empty; choose a new directory");
            }
        }
    }

    private Path tokenizerOrNull(Method m) {
        try {
            return ModelFiles.tokenizerPath(model, tokenizer);
        } catch (IllegalArgumentException e) {
            if (m.needsData() || tokenizer != null) throw e;
            return null; // the copy beside the output is a convenience; random/clustering/upcycle need no text
        }
    }

    /** Only dense models with SwiGLU FFNs in every layer can be split. */
    private void checkDense(Models.Loaded l) {
        if (l.isMoe())
            throw new IllegalArgumentException("--model " + model + " is already an MoE model (" + l.moe().numExperts()
                    + " experts, top-" + l.moe().topK() + "): only dense LLaMA models with SwiGLU FFNs can be converted");
        for (int i = 0; i < l.model().numLayers(); i++)
            if (!(l.model().layer(i).ffn() instanceof SwiGluFfn))
                throw new IllegalArgumentException("--model " + model + ": layer " + i + " has no SwiGLU FFN ("
                        + l.model().layer(i).ffn().getClass().getSimpleName() + "); only dense LLaMA models can be converted");
    }

    /** Sharing-inner's importance scores from --docs training documents, taken round-robin over the domains. */
    private float[][][] importance(LlamaModel dense, Path tokPath, Converter.Options opt) {
        Tokenizer tok = Tokenizers.load(tokPath);
        io.moe4j.eval.Vocab.check(dense, tok);
        Map<String, List<String>> byDomain = TextCorpus.read(data, Split.TRAIN, docs);
        List<Iterator<String>> its = new ArrayList<>();
        for (List<String> l : byDomain.values()) its.add(l.iterator());
        List<int[]> ids = new ArrayList<>();
        for (boolean any = true; any && ids.size() < docs; ) {
            any = false;
            for (Iterator<String> it : its) {
                if (ids.size() < docs && it.hasNext()) {
                    ids.add(tok.encode(it.next(), true, false));
                    any = true;
                }
            }
        }
        if (ids.size() < experts)
            throw new IllegalArgumentException("--data " + data + " gave " + ids.size() + " documents, need at least --experts " + experts);
        int block = Math.min(dense.config().maxSeqLen(), 512);
        System.err.printf(Locale.ROOT, "importance scores from %d documents (%d domains), blocks of %d tokens%n", ids.size(), byDomain.size(), block);
        int total = ids.size();
        return Importance.compute(dense, ids, opt.experts(), block, opt.seed(),
                d -> { if (d % 16 == 0 || d == total) System.err.printf(Locale.ROOT, "  %d/%d documents%n", d, total); });
    }

    private static String canonicalName(Path tok) {
        String n = tok.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".model")) return "tokenizer.model";
        if (n.endsWith(".json.gz")) return "tokenizer.json.gz";
        if (n.endsWith(".json")) return "tokenizer.json";
        if (n.endsWith(".bin")) return "tokenizer.bin";
        return tok.getFileName().toString();
    }

    private void summary(Models.Loaded dense, LlamaModel moe, Converter.Options o, Path tokPath, double secs) {
        var moeCfg = Models.moeConfigOf(moe);
        int ctx = dense.config().maxSeqLen();
        CostModel.Cost before = CostModel.of(dense.config(), null, ctx), after = CostModel.of(moe.config(), moeCfg, ctx);
        var s = moeCfg.layer(0);
        System.out.printf(Locale.ROOT, "converted %s: %s split, %d experts, top-%d, sf %s, gate %s/%s, %d layers%n",
                ModelFiles.name(model), o.method().cliName(), s.numExperts(), s.topK(), trim(s.scale()), s.gate().configName,
                s.network().configName(), moe.numLayers());
        System.out.printf(Locale.ROOT, "  params: dense %,d -> MoE total %,d, activated %,d (%.1f%%)%n", before.totalParams(),
                after.totalParams(), after.activatedParams(), 100.0 * after.activatedParams() / after.totalParams());
        System.out.printf(Locale.ROOT, "  FLOPs/token at context %d: dense %,d -> MoE %,d%n", ctx, before.flopsPerToken(), after.flopsPerToken());
        System.out.printf(Locale.ROOT, "  saved to %s%s in %.1f s (untrained router: continual pre-training needed)%n", out,
                tokPath == null ? " (no tokenizer found to copy)" : " with " + canonicalName(tokPath), secs);
    }

    private static String trim(double x) {
        return x == Math.rint(x) ? String.valueOf((long) x) : String.format(Locale.ROOT, "%.4g", x);
    }
}
