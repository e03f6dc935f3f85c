package io.moe4j.cli.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code moe4j demo}: the whole LLaMA-MoE pipeline on the embedded stories260K and corpus. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run LLaMA-MoE end to end on the embedded default: load stories260K, measure its per-domain validation "
                + "perplexity, convert it to MoE (random split, 8 experts, top-2, sf = N/k), continue pre-training with the "
                + "StaticSheared sampler, evaluate dense / converted / trained models (perplexity per domain, tasks, parameters, "
                + "FLOPs, tokens/s), generate a sample from each, and write report.md with PNG plots.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "runs/demo", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--quick", description = "A short run (well under 2 minutes) with fewer steps and smaller evaluations.")
    boolean quick;

    @Option(names = "--assets", description = "Folder of the embedded defaults (default: assets/ of this checkout).")
    Path assets;

    @Option(names = "--steps", description = "Override the number of training steps.")
    Integer steps;

    @Override
    public Integer call() throws Exception {
        Path a = assets != null ? assets : defaultAssets();
        DemoSettings s = quick ? DemoSettings.quick(a, out) : DemoSettings.standard(a, out);
        if (steps != null) {
            if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
            s = new DemoSettings(s.model(), s.data(), s.evalDir(), s.out(), steps, s.seqLen(), s.batch(), s.lr(),
                    Math.min(s.warmup(), Math.max(1, steps / 10)), s.maxDocs(), s.maxChars(), s.evalLimit(), s.experts(), s.topK(), s.seed());
        }
        Path report = new Demo(s, System.err::println).run();
        System.out.println("report: " + report.toAbsolutePath());
        return 0;
    }

    /** assets/ beside the working directory, or as given by -Dmoe4j.assets (set by the launcher and tests). */
    static Path defaultAssets() {
        String prop = System.getProperty("moe4j.assets");
        Path p = prop != null ? Path.of(prop) : Path.of("assets");
        if (!Files.isDirectory(p.resolve("models")))
            throw new IllegalArgumentException("embedded defaults not found at " + p.toAbsolutePath() + " (run from the moe4j checkout, or pass --assets DIR)");
        return p;
    }
}
