package io.moe4j.cli;

import io.moe4j.tensor.cpu.Parallel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** The options that {@code moe4j train} and {@code moe4j sft} share: model, run folder, checkpoints, seed, threads. */
final class RunOptions {
    @Option(names = "--model", required = true, description = "Model: llama2.c .bin, HF LLaMA or LLaMA-MoE folder.")
    Path model;

    @Option(names = "--out", required = true, description = "Run folder.")
    Path out;

    @Option(names = "--tokenizer", description = "Tokenizer file, when none sits beside the model.")
    Path tokenizer;

    @Option(names = "--clip", defaultValue = "1.0", description = "Max global gradient norm; 0 = off (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--freeze", description = "Freeze parameters matching a rule (glob, re:REGEX or preset:NAME, e.g. preset:router); repeatable.")
    List<String> freeze = new ArrayList<>();

    @Option(names = "--checkpoint-every", defaultValue = "100", description = "Full checkpoint every K steps, and at the end (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--seed", defaultValue = "1227",
            description = "Seed of data order, the held-out split and gate noise (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--resume", description = "Continue the run in --out from its latest checkpoint (same settings required).")
    boolean resume;

    @Option(names = "--skip-nonfinite", description = "Skip a step whose loss or gradient is NaN/Inf instead of stopping.")
    boolean skipNonFinite;

    @Option(names = "--stop-at", defaultValue = "0", description = "End this session after this step with a checkpoint; continue later with --resume.")
    int stopAt;

    @Option(names = "--threads", defaultValue = "0", description = "Use at most this many threads (0 = the pool size, -Dmoe4j.threads).")
    int threads;

    /** Runs {@code body} on at most {@code --threads} threads (all of the pool when 0). */
    <T> T withThreads(Supplier<T> body) {
        List<T> out = new ArrayList<>(1);
        Runnable run = () -> out.add(body.get());
        if (threads > 0) Parallel.withThreads(threads, run);
        else run.run();
        return out.get(0);
    }
}
