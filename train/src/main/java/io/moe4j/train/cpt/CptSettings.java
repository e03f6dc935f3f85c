package io.moe4j.train.cpt;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Every setting of a continual pre-training run ({@code moe4j train}). The defaults follow LLaMA-MoE's final
 * recipe (METHOD.md §5.4) where it applies: AdamW (0.9, 0.95), weight decay 0.1, clipping 1.0, warmup then a
 * cosine clamped at 0.1 of the peak, StaticSheared sampling, seed 1227. Weight decay applies to tensors of rank
 * >= 2 by default (nanoGPT's rule); {@code decayRule = "llama-moe"} uses the original's name-based exclusions.
 *
 * @param model           dense or MoE model (llama2.c .bin, HF dir)
 * @param data            corpus folder (tokenised into the run's cache) or a prepared token cache (manifest.json)
 * @param sampler         static-sheared | static-llama | dynamic-sheared | dynamic-llama | uniform | dynamic-uniform | weights:FILE
 * @param seqLen          T, tokens per row
 * @param batch           B, rows per micro-batch
 * @param accum           micro-batches per optimizer step
 * @param lr              peak learning rate
 * @param warmup          linear warmup steps
 * @param steps           optimizer steps in total
 * @param out             run directory
 * @param evalEvery       per-domain validation every K steps (0: only before and after)
 * @param evalBatches     validation batches of B blocks per domain (0: no validation)
 * @param checkpointEvery full checkpoint every K steps (0: only at the end)
 * @param seed            seed of sampling, shuffling and gate noise
 * @param resume          continue the run in {@code out}
 * @param minLrRatio      floor of the cosine as a fraction of the peak (LLaMA-MoE: 0.1)
 * @param weightDecay     decoupled weight decay
 * @param clip            max global gradient norm (0: off)
 * @param tokenizer       tokenizer file, when it does not sit beside the model
 * @param schedule        cosine | linear | constant
 * @param domainMismatch  error | renormalise: what to do when the sampler's domains and the corpus's differ
 * @param referenceModel  model whose per-domain validation losses are the dynamic rule's reference (default: the
 *                        trained model before training, i.e. the dense parent when it is dense)
 * @param referenceLosses reference losses from a file (name=value lines or JSON) or "llama2-7b"; overrides referenceModel
 * @param updateEvery     dynamic sampler update interval in steps (the original: about 170)
 * @param freeze          freeze rules (see FreezeRules), e.g. preset:router
 * @param skipNonFinite   skip steps with a non-finite loss or gradient instead of stopping
 * @param decayRule       rank2 | llama-moe
 * @param beta1           AdamW beta1
 * @param beta2           AdamW beta2
 * @param stopAt          end this session after this global step, with a checkpoint (0: run to the end)
 */
public record CptSettings(Path model, Path data, String sampler, int seqLen, int batch, int accum, double lr, int warmup,
                          int steps, Path out, int evalEvery, int evalBatches, int checkpointEvery, long seed, boolean resume,
                          double minLrRatio, double weightDecay, double clip, Path tokenizer, String schedule,
                          String domainMismatch, Path referenceModel, String referenceLosses, int updateEvery,
                          List<String> freeze, boolean skipNonFinite, String decayRule, double beta1, double beta2,
                          int stopAt) {

    /** Settings that may change when a run is resumed: they do not change what is computed. */
    public static final Set<String> NOT_HASHED = Set.of("out", "resume", "skipNonFinite", "stopAt");

    public CptSettings {
        freeze = List.copyOf(freeze);
    }

    public static Builder builder(Path model, Path data, Path out) {
        return new Builder(model, data, out);
    }

    /** Fluent construction with the defaults above. */
    public static final class Builder {
        private final Path model, out;
        private Path data;
        private String sampler = "static-sheared", schedule = "cosine", domainMismatch = "renormalise", decayRule = "rank2";
        private String referenceLosses;
        private Path tokenizer, referenceModel;
        private int seqLen = 256, batch = 8, accum = 1, warmup = 100, steps = 100, evalEvery, evalBatches = 8;
        private int checkpointEvery = 100, updateEvery = 170;
        private double lr = 2e-4, minLrRatio = 0.1, weightDecay = 0.1, clip = 1.0, beta1 = 0.9, beta2 = 0.95;
        private long seed = 1227;
        private int stopAt;
        private boolean resume, skipNonFinite;
        private List<String> freeze = List.of();

        Builder(Path model, Path data, Path out) {
            this.model = model;
            this.data = data;
            this.out = out;
        }

        public Builder data(Path v) { data = v; return this; }
        public Builder sampler(String v) { sampler = v; return this; }
        public Builder seqLen(int v) { seqLen = v; return this; }
        public Builder batch(int v) { batch = v; return this; }
        public Builder accum(int v) { accum = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder warmup(int v) { warmup = v; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder evalBatches(int v) { evalBatches = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder minLrRatio(double v) { minLrRatio = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder clip(double v) { clip = v; return this; }
        public Builder tokenizer(Path v) { tokenizer = v; return this; }
        public Builder schedule(String v) { schedule = v; return this; }
        public Builder domainMismatch(String v) { domainMismatch = v; return this; }
        public Builder referenceModel(Path v) { referenceModel = v; return this; }
        public Builder referenceLosses(String v) { referenceLosses = v; return this; }
        public Builder updateEvery(int v) { updateEvery = v; return this; }
        public Builder freeze(List<String> v) { freeze = v; return this; }
        public Builder skipNonFinite(boolean v) { skipNonFinite = v; return this; }
        public Builder decayRule(String v) { decayRule = v; return this; }
        public Builder betas(double b1, double b2) { beta1 = b1; beta2 = b2; return this; }
        public Builder stopAt(int v) { stopAt = v; return this; }

        public CptSettings build() {
            return new CptSettings(model, data, sampler, seqLen, batch, accum, lr, warmup, steps, out, evalEvery, evalBatches,
                    checkpointEvery, seed, resume, minLrRatio, weightDecay, clip, tokenizer, schedule, domainMismatch,
                    referenceModel, referenceLosses, updateEvery, freeze, skipNonFinite, decayRule, beta1, beta2, stopAt);
        }
    }
}
