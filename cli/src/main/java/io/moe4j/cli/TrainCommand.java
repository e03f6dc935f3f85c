package io.moe4j.cli;

import io.moe4j.train.cpt.CptRun;
import io.moe4j.train.cpt.CptSettings;
import io.moe4j.train.run.RunSummary;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code moe4j train}: continual pre-training of a dense, converted-MoE or freshly initialised model. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Continual pre-training (LLaMA-MoE recipe): loss = LM cross-entropy + the sum of the MoE balance losses, "
                + "AdamW (0.9, 0.95, wd 0.1 on matrices), clipping 1.0, warmup then cosine clamped at --min-lr-ratio, "
                + "domain-weighted packed batches.",
                "--out gets config.json, metrics.jsonl (one line per step), checkpoints/ (resumable with --resume), "
                + "model/ (final weights), plots/*.png and summary.json (per-domain validation loss before and after)."})
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    RunOptions run;

    @Option(names = "--data", required = true, description = "Corpus folder (tokenised into OUT/cache) or a token cache made by `moe4j prepare`.")
    Path data;

    @Option(names = "--sampler", defaultValue = "static-sheared",
            description = "static-sheared | static-llama | dynamic-sheared | dynamic-llama | uniform | dynamic-uniform | weights:FILE (default: ${DEFAULT-VALUE}).")
    String sampler;

    @Option(names = "--seq-len", defaultValue = "256", description = "Tokens per row, at most the model's max_seq_len (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--batch", defaultValue = "8", description = "Rows per micro-batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--accum", defaultValue = "1", description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE}).")
    int accum;

    @Option(names = "--lr", defaultValue = "2e-4", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", defaultValue = "100", description = "Linear warmup steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", required = true, description = "Optimizer steps in total.")
    int steps;

    @Option(names = "--eval-every", defaultValue = "0", description = "Per-domain validation every K steps; 0 = only before and after (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--eval-batches", defaultValue = "8", description = "Validation batches per domain; 0 = no validation (default: ${DEFAULT-VALUE}).")
    int evalBatches;

    @Option(names = "--min-lr-ratio", defaultValue = "0.1", description = "Floor of the cosine, as a fraction of --lr (default: ${DEFAULT-VALUE}).")
    double minLrRatio;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "Decoupled weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--schedule", defaultValue = "cosine", description = "cosine | linear | constant, after the warmup (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--domain-mismatch", defaultValue = "renormalise",
            description = "error | renormalise when the sampler's domains differ from the corpus's (default: ${DEFAULT-VALUE}).")
    String domainMismatch;

    @Option(names = "--reference-model", description = "Dense parent whose per-domain validation losses are the dynamic sampler's reference (default: the model before training).")
    Path referenceModel;

    @Option(names = "--reference-losses", description = "Reference losses for dynamic sampling: a name=value file, or llama2-7b.")
    String referenceLosses;

    @Option(names = "--update-every", defaultValue = "170", description = "Dynamic sampler update interval in steps (default: ${DEFAULT-VALUE}).")
    int updateEvery;

    @Option(names = "--decay-rule", defaultValue = "rank2", description = "rank2 (decay matrices only) | llama-moe (all but bias/norm) (default: ${DEFAULT-VALUE}).")
    String decayRule;

    @Option(names = "--beta1", defaultValue = "0.9", description = "AdamW beta1 (default: ${DEFAULT-VALUE}).")
    double beta1;

    @Option(names = "--beta2", defaultValue = "0.95", description = "AdamW beta2 (default: ${DEFAULT-VALUE}).")
    double beta2;

    @Override
    public Integer call() {
        CptSettings s = CptSettings.builder(run.model, data, run.out).sampler(sampler).seqLen(seqLen).batch(batch).accum(accum).lr(lr)
                .warmup(warmup).steps(steps).evalEvery(evalEvery).evalBatches(evalBatches).checkpointEvery(run.checkpointEvery).seed(run.seed)
                .resume(run.resume).minLrRatio(minLrRatio).weightDecay(weightDecay).clip(run.clip).tokenizer(run.tokenizer).schedule(schedule)
                .domainMismatch(domainMismatch).referenceModel(referenceModel).referenceLosses(referenceLosses).updateEvery(updateEvery)
                .freeze(run.freeze).skipNonFinite(run.skipNonFinite).decayRule(decayRule).betas(beta1, beta2).stopAt(run.stopAt).build();
        RunSummary r = run.withThreads(() -> CptRun.run(s, System.err::println));
        System.out.println(r.table());
        System.out.println("model: " + r.modelDir());
        return 0;
    }
}
