package io.moe4j.cli.demo;

import java.nio.file.Path;

/**
 * What the demo runs on and how long it trains. {@link #standard} takes a few minutes on 2 cores;
 * {@link #quick} well under two (the test suite runs it).
 *
 * @param steps        continual pre-training steps
 * @param seqLen       tokens per training sequence
 * @param batch        sequences per step
 * @param lr           peak learning rate (warmup then cosine to 10%)
 * @param maxDocs      validation documents per domain for perplexity
 * @param maxChars     validation characters per domain for perplexity (long documents are cut)
 * @param evalLimit    items per task
 */
public record DemoSettings(Path model, Path data, Path evalDir, Path out, int steps, int seqLen, int batch, double lr,
                           int warmup, int maxDocs, int maxChars, int evalLimit, int experts, int topK, long seed) {

    public static DemoSettings standard(Path assets, Path out) {
        return new DemoSettings(assets.resolve("models/stories260K/stories260K.bin"), assets.resolve("corpus"),
                assets.resolve("eval"), out, 150, 256, 8, 2e-3, 15, 40, 30_000, 20, 8, 2, 1227);
    }

    public static DemoSettings quick(Path assets, Path out) {
        return new DemoSettings(assets.resolve("models/stories260K/stories260K.bin"), assets.resolve("corpus"),
                assets.resolve("eval"), out, 40, 128, 8, 3e-3, 8, 6, 6_000, 6, 8, 2, 1227);
    }

    /** sf = N/k, LLaMA-MoE's default. */
    public double scale() {
        return (double) experts / topK;
    }
}
