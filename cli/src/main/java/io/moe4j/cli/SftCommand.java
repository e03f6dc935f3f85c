package io.moe4j.cli;

import io.moe4j.train.run.RunSummary;
import io.moe4j.train.sft.SftRun;
import io.moe4j.train.sft.SftSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code moe4j sft}: instruction tuning with loss on assistant tokens only. */
@Command(name = "sft", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Instruction tuning (LLaMA-MoE SFT): ShareGPT or Alpaca conversations rendered with the Vicuna v1.1 template, "
                + "loss on assistant replies and their </s> only, lr 2e-5 cosine with 3%% warmup, 2 epochs, balance loss and gate noise on.",
                "Rows longer than --seq-len are truncated (or split with --overflow split); the counts are printed. "
                + "The held-out assistant-token loss is reported before and after. Run folder as for `moe4j train`."})
public final class SftCommand implements Callable<Integer> {
    @Mixin
    RunOptions run;

    @Option(names = "--data", required = true, description = "JSON file of conversations.")
    Path data;

    @Option(names = "--format", defaultValue = "sharegpt", description = "sharegpt | alpaca (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--template", defaultValue = "vicuna", description = "vicuna (v1.1) | plain (default: ${DEFAULT-VALUE}).")
    String template;

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

    @Option(names = "--freeze-router", description = "Freeze the MoE routers (preset:router; the experts keep training).")
    boolean freezeRouter;

    @Option(names = "--system", description = "System text for conversations without one (default: empty, as in LLaMA-MoE's training).")
    String system;

    @Option(names = "--val-examples", defaultValue = "32", description = "Conversations held out for the assistant-token loss (default: ${DEFAULT-VALUE}).")
    int valExamples;

    @Option(names = "--eval-every", defaultValue = "0", description = "Held-out loss every K steps; 0 = before and after only (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Override
    public Integer call() {
        SftSettings s = SftSettings.builder(run.model, data, run.out).format(format).template(template).seqLen(seqLen).overflow(overflow)
                .batch(batch).accum(accum).lr(lr).epochs(epochs).steps(steps).warmupRatio(warmupRatio).weightDecay(weightDecay).clip(run.clip)
                .freezeRouter(freezeRouter).freeze(run.freeze).system(system).valExamples(valExamples).evalEvery(evalEvery)
                .checkpointEvery(run.checkpointEvery).seed(run.seed).resume(run.resume).tokenizer(run.tokenizer).skipNonFinite(run.skipNonFinite).stopAt(run.stopAt)
                .build();
        RunSummary r = run.withThreads(() -> SftRun.run(s, System.err::println));
        System.out.println(r.table());
        System.out.println("model: " + r.modelDir());
        return 0;
    }
}
