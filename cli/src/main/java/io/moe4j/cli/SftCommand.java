package io.moe4j.cli;

import io.moe4j.tensor.cpu.Parallel;
import io.moe4j.train.run.RunSummary;
import io.moe4j.train.sft.SftRun;
import io.moe4j.train.sft.SftSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code moe4j sft}: instruction tuning with loss on assistant tokens only. */
@Command(name = "sft", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Instruction tuning (LLaMA-MoE SFT): ShareGPT or Alpaca conversations rendered with the Vicuna v1.1 template, "
                + "loss on assistant replies and their </s> only, lr 2e-5 cosine with 3%% warmup, 2 epochs, balance loss and gate noise on.",
                "Rows longer than --seq-len are truncated (or split with --overflow split); the counts are printed. "
                + "The held-out assistant-token loss is reported before and after. Run folder as for `moe4j train`."})
public final class SftCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Model: llama2.c .bin, HF LLaMA or LLaMA-MoE folder.")
    Path model;

    @Option(names = "--data", required = true, description = "JSON file of conversations.")
    Path data;

    @Option(names = "--format", defaultValue = "sharegpt", description = "sharegpt | alpaca (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--template", defaultValue = "vicuna", description = "vicuna (v1.1) | plain (default: ${DEFAULT-VALUE}).")
    String template;

    @Option(names = "--out", required = true, description = "Run folder.")
    Path out;

    @Option(names = "--seq-len", defaultValue = "0", description = "Max tokens per row; 0 = min(2048, max_seq_len) (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--overflow", defaultValue = "truncate", description = "truncate | split rows longer than --seq-len (default: ${DEFAULT-VALUE}).")
    String overflow;

    @Option(names = "--batch", defaultValue = "4", description = "Rows per micro-batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--accum", defaultValue = "8", description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE}).")
    int accum;

    @Option(names = "--lr", defaultValue = "2e-5", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--epochs", defaultValue = "2", description = "Passes over the training rows when --steps is 0 (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--steps", defaultValue = "0", description = "Optimizer steps; 0 = from --epochs (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup-ratio", defaultValue = "0.03", description = "Warmup as a fraction of the steps (default: ${DEFAULT-VALUE}).")
    double warmupRatio;

    @Option(names = "--weight-decay", defaultValue = "0", description = "Decoupled weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", description = "Max global gradient norm; 0 = off (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--freeze-router", description = "Freeze the MoE routers (preset:router; the experts keep training).")
    boolean freezeRouter;

    @Option(names = "--freeze", description = "Freeze parameters matching a rule (glob, re:REGEX, preset:NAME); repeatable.")
    List<String> freeze = new ArrayList<>();

    @Option(names = "--system", description = "System text for conversations without one (default: empty, as in LLaMA-MoE's training).")
    String system;

    @Option(names = "--val-examples", defaultValue = "32", description = "Conversations held out for the assistant-token loss (default: ${DEFAULT-VALUE}).")
    int valExamples;

    @Option(names = "--eval-every", defaultValue = "0", description = "Held-out loss every K steps; 0 = before and after only (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--checkpoint-every", defaultValue = "100", description = "Checkpoint every K steps, and at the end (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--seed", defaultValue = "1227", description = "Seed of shuffling, the held-out split and gate noise (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--resume", description = "Continue the run in --out from its latest checkpoint.")
    boolean resume;

    @Option(names = "--tokenizer", description = "Tokenizer file, when none sits beside the model.")
    Path tokenizer;

    @Option(names = "--skip-nonfinite", description = "Skip a step whose loss or gradient is NaN/Inf instead of stopping.")
    boolean skipNonFinite;

    @Option(names = "--stop-at", defaultValue = "0", description = "End this session after this step with a checkpoint.")
    int stopAt;

    @Option(names = "--threads", defaultValue = "0", description = "Use at most this many threads (0 = the pool size).")
    int threads;

    @Override
    public Integer call() {
        SftSettings s = SftSettings.builder(model, data, out).format(format).template(template).seqLen(seqLen).overflow(overflow)
                .batch(batch).accum(accum).lr(lr).epochs(epochs).steps(steps).warmupRatio(warmupRatio).weightDecay(weightDecay).clip(clip)
                .freezeRouter(freezeRouter).freeze(freeze).system(system).valExamples(valExamples).evalEvery(evalEvery)
                .checkpointEvery(checkpointEvery).seed(seed).resume(resume).tokenizer(tokenizer).skipNonFinite(skipNonFinite).stopAt(stopAt)
                .build();
        RunSummary[] r = new RunSummary[1];
        Runnable run = () -> r[0] = SftRun.run(s, System.err::println);
        if (threads > 0) Parallel.withThreads(threads, run);
        else run.run();
        System.out.println(r[0].table());
        System.out.println("model: " + r[0].modelDir());
        return 0;
    }
}
