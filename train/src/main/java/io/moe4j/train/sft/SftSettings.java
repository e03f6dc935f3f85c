package io.moe4j.train.sft;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Every setting of an instruction-tuning run ({@code moe4j sft}). Defaults follow LLaMA-MoE's SFT (METHOD.md §6):
 * lr 2e-5, cosine to 0 with 3% warmup, weight decay 0, 2 epochs, max length 2048 (capped at the model's
 * max_seq_len), AdamW with torch's betas (0.9, 0.999), balance loss and gate noise on. The router is frozen only
 * with {@code freezeRouter}, which freezes the router alone ({@code preset:router}), not upstream's over-broad
 * "gate" substring match.
 *
 * @param seqLen      tokens per row at most (0: min(2048, max_seq_len))
 * @param steps       optimizer steps (0: {@code epochs} passes over the training rows)
 * @param system      system text for examples without one (null: empty, as in upstream training)
 * @param valExamples conversations held out to measure the assistant-token loss
 * @param overflow    truncate | split rows longer than seqLen
 */
public record SftSettings(Path model, Path data, String format, String template, Path out, int seqLen, int batch, int accum,
                          double lr, int epochs, int steps, double warmupRatio, double weightDecay, double clip,
                          boolean freezeRouter, List<String> freeze, String overflow, String system, int valExamples,
                          int evalEvery, int checkpointEvery, long seed, boolean resume, Path tokenizer, String schedule,
                          double minLrRatio, boolean skipNonFinite, String decayRule, double beta1, double beta2, int stopAt) {

    public static final Set<String> NOT_HASHED = Set.of("out", "resume", "skipNonFinite", "stopAt");

    public SftSettings {
        freeze = List.copyOf(freeze);
    }

    public static Builder builder(Path model, Path data, Path out) {
        return new Builder(model, data, out);
    }

    /** Fluent construction with the defaults above. */
    public static final class Builder {
        private final Path model, data, out;
        private String format = "sharegpt", template = "vicuna", overflow = "truncate", schedule = "cosine", decayRule = "rank2";
        private String system;
        private Path tokenizer;
        private int seqLen, batch = 4, accum = 8, epochs = 2, steps, valExamples = 32, evalEvery, checkpointEvery = 100, stopAt;
        private double lr = 2e-5, warmupRatio = 0.03, weightDecay = 0, clip = 1.0, minLrRatio = 0, beta1 = 0.9, beta2 = 0.999;
        private boolean freezeRouter, resume, skipNonFinite;
        private List<String> freeze = List.of();
        private long seed = 1227;

        Builder(Path model, Path data, Path out) {
            this.model = model;
            this.data = data;
            this.out = out;
        }

        public Builder format(String v) { format = v; return this; }
        public Builder template(String v) { template = v; return this; }
        public Builder seqLen(int v) { seqLen = v; return this; }
        public Builder batch(int v) { batch = v; return this; }
        public Builder accum(int v) { accum = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder warmupRatio(double v) { warmupRatio = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder clip(double v) { clip = v; return this; }
        public Builder freezeRouter(boolean v) { freezeRouter = v; return this; }
        public Builder freeze(List<String> v) { freeze = v; return this; }
        public Builder overflow(String v) { overflow = v; return this; }
        public Builder system(String v) { system = v; return this; }
        public Builder valExamples(int v) { valExamples = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder tokenizer(Path v) { tokenizer = v; return this; }
        public Builder schedule(String v) { schedule = v; return this; }
        public Builder minLrRatio(double v) { minLrRatio = v; return this; }
        public Builder skipNonFinite(boolean v) { skipNonFinite = v; return this; }
        public Builder decayRule(String v) { decayRule = v; return this; }
        public Builder betas(double b1, double b2) { beta1 = b1; beta2 = b2; return this; }
        public Builder stopAt(int v) { stopAt = v; return this; }

        public SftSettings build() {
            return new SftSettings(model, data, format, template, out, seqLen, batch, accum, lr, epochs, steps, warmupRatio, weightDecay,
                    clip, freezeRouter, freeze, overflow, system, valExamples, evalEvery, checkpointEvery, seed, resume, tokenizer,
                    schedule, minLrRatio, skipNonFinite, decayRule, beta1, beta2, stopAt);
        }
    }
}
