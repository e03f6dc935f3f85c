package io.moe4j.train.cpt;

import io.moe4j.data.cache.TokenCache;
import io.moe4j.data.corpus.Split;
import io.moe4j.data.sampling.BatchLoader;
import io.moe4j.data.sampling.DomainSampler;
import io.moe4j.data.sampling.DomainWeights;
import io.moe4j.data.sampling.ValidationStream;
import io.moe4j.moe.Models;
import io.moe4j.nn.LlamaModel;
import io.moe4j.train.RunSetup;
import io.moe4j.train.TrainLoop;
import io.moe4j.train.Trainer;
import io.moe4j.train.Validation;
import io.moe4j.train.optim.FreezeRules;
import io.moe4j.train.run.Checkpoint;
import io.moe4j.train.run.RunDir;
import io.moe4j.train.run.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Continual pre-training (METHOD.md §5) of a dense, converted-MoE or freshly initialised model: sets up the run
 * folder, the data, the sampler and the trainer (from scratch or from the latest checkpoint), runs the
 * {@link TrainLoop}, then writes the final model, plots and a before/after table of per-domain validation loss.
 * All bad input is reported before the first step.
 */
public final class CptRun {
    private CptRun() {}

    public static RunSummary run(CptSettings s, Consumer<String> log) {
        validate(s);
        RunDir run = RunDir.open(s.out(), "train", s, CptSettings.NOT_HASHED, s.resume(), log);
        Checkpoint.Loaded ckpt = Checkpoint.latest(run);
        LlamaModel model = ckpt != null ? ckpt.model() : RunSetup.loadModel(s.model(), "--model");
        if (s.seqLen() > model.config().maxSeqLen())
            throw new IllegalArgumentException("--seq-len " + s.seqLen() + " is larger than the model's max_seq_len "
                    + model.config().maxSeqLen());
        CptData data = CptData.open(s.data(), s.model(), s.tokenizer(), model.config().vocabSize(), run.cacheDir(), log);
        TokenCache cache = data.cache();
        BatchLoader loader = ckpt != null ? BatchLoader.restore(cache, ckpt.sourceState()) : newLoader(s, cache, log);
        DomainSampler sampler = loader.sampler();
        checkValidation(s, cache, sampler);
        Trainer trainer = new Trainer(model, new Trainer.Options(RunSetup.adam(s.beta1(), s.beta2(), s.weightDecay(), s.decayRule()),
                FreezeRules.of(s.freeze()), RunSetup.schedule(s.schedule(), s.lr(), s.warmup(), s.steps(), s.minLrRatio()),
                s.accum(), s.clip(), s.skipNonFinite(), s.seed()));
        int start = 0;
        long seen = 0;
        if (ckpt != null) {
            ckpt.restoreInto(trainer);
            start = ckpt.step();
            seen = ckpt.tokensSeen();
            log.accept("resuming " + run.root() + " from step " + start + " (" + ckpt.dir().getFileName() + ")");
        }
        describe(s, model, trainer, sampler, log);
        Hooks hooks = new Hooks(s, run, model, cache, sampler, log);
        if (sampler.isDynamic()) hooks.reference = referenceLosses(s, run, hooks, log);
        TrainLoop loop = new TrainLoop(new TrainLoop.Options(s.steps(), s.evalEvery(), s.evalBatches() > 0, s.checkpointEvery(),
                "train", s.stopAt()), run, data.tokenizerFile());
        boolean done = start >= s.steps() || (s.stopAt() > 0 && start >= s.stopAt());
        Path last = done ? (ckpt == null ? null : ckpt.dir()) : loop.run(trainer, new CptSource(loader), start, seen, hooks);
        return RunSummary.finish(run, model, data.tokenizerFile(), s.steps(), last, log);
    }

    // ------------------------------------------------------------------------------------------ checks

    /** Everything that can be checked from the settings alone. */
    static void validate(CptSettings s) {
        RunSetup.existing(s.model(), "--model");
        RunSetup.existing(s.data(), "--data");
        if (!Files.isDirectory(s.data())) throw new IllegalArgumentException("--data " + s.data() + " is not a folder");
        if (s.out() == null) throw new IllegalArgumentException("--out is required");
        RunSetup.positive(s.seqLen(), "--seq-len");
        RunSetup.positive(s.batch(), "--batch");
        RunSetup.positive(s.accum(), "--accum");
        RunSetup.positive(s.steps(), "--steps");
        RunSetup.positive(s.updateEvery(), "--update-every");
        RunSetup.nonNegative(s.evalEvery(), "--eval-every");
        RunSetup.nonNegative(s.evalBatches(), "--eval-batches");
        RunSetup.nonNegative(s.checkpointEvery(), "--checkpoint-every");
        samplerSpec(s.sampler());
        mismatch(s.domainMismatch());
        RunSetup.schedule(s.schedule(), s.lr(), s.warmup(), s.steps(), s.minLrRatio());
        RunSetup.adam(s.beta1(), s.beta2(), s.weightDecay(), s.decayRule());
        FreezeRules.of(s.freeze());
        if (!(s.clip() >= 0)) throw new IllegalArgumentException("--clip must be >= 0, got " + s.clip());
        if (s.referenceModel() != null) RunSetup.existing(s.referenceModel(), "--reference-model");
        if (DomainWeights.isDynamicPreset(s.sampler()) && s.evalBatches() == 0)
            throw new IllegalArgumentException("--sampler " + s.sampler() + " needs validation losses; --eval-batches must be >= 1");
    }

    /** The DomainSampler spec of a --sampler value: a preset, or the FILE (or inline pairs) of weights:FILE. */
    static String samplerSpec(String sampler) {
        if (sampler == null) throw new IllegalArgumentException("--sampler is required");
        if (DomainWeights.PRESETS.contains(sampler)) return sampler;
        if (sampler.startsWith("weights:")) {
            String spec = sampler.substring("weights:".length());
            if (spec.isBlank()) throw new IllegalArgumentException("--sampler weights: needs a file, e.g. weights:mix.json");
            if (!spec.contains("=") && !Files.isRegularFile(Path.of(spec)))
                throw new IllegalArgumentException("--sampler " + sampler + ": weights file " + spec + " does not exist");
            return spec;
        }
        throw new IllegalArgumentException("unknown --sampler '" + sampler + "'; expected one of " + String.join(", ", DomainWeights.PRESETS)
                + " or weights:FILE");
    }

    static DomainWeights.Mismatch mismatch(String v) {
        return switch (v == null ? "" : v.toLowerCase(Locale.ROOT)) {
            case "error" -> DomainWeights.Mismatch.ERROR;
            case "renormalise", "renormalize" -> DomainWeights.Mismatch.RENORMALISE;
            default -> throw new IllegalArgumentException("--domain-mismatch must be error or renormalise, got '" + v + "'");
        };
    }

    private static BatchLoader newLoader(CptSettings s, TokenCache cache, Consumer<String> log) {
        DomainSampler.Dynamic dyn = new DomainSampler.Dynamic(DomainSampler.Rule.SHEARED_LLAMA, 1.0, 1e-4, s.updateEvery());
        DomainSampler sampler = DomainSampler.forSpec(samplerSpec(s.sampler()), cache.domains(Split.TRAIN),
                mismatch(s.domainMismatch()), s.seed(), dyn, log);
        return new BatchLoader(cache, sampler, BatchLoader.Options.of(s.batch(), s.seqLen()).withSeed(s.seed()));
    }

    /** A dynamic sampler needs a validation loss for every domain it samples. */
    private static void checkValidation(CptSettings s, TokenCache cache, DomainSampler sampler) {
        if (!sampler.isDynamic()) return;
        Map<String, ValidationStream> v = ValidationStream.forCache(cache, s.seqLen(), true, false, (long) s.evalBatches() * s.batch());
        for (String d : sampler.domains())
            if (!v.containsKey(d))
                throw new IllegalArgumentException("dynamic sampling needs validation data for domain '" + d + "', but the cache has "
                        + "no validation block of " + (s.seqLen() + 1) + " tokens for it");
    }

    private static LinkedHashMap<String, Double> referenceLosses(CptSettings s, RunDir run, Hooks hooks, Consumer<String> log) {
        String source = s.referenceModel() != null ? "validation losses of --reference-model " + s.referenceModel()
                : "validation losses of " + s.model() + " before training";
        LinkedHashMap<String, Double> ref = ReferenceLosses.resolve(run, s.referenceLosses(), source, () -> {
            if (s.referenceModel() == null) return hooks.initial = hooks.evaluate();
            return Validation.perDomain(RunSetup.loadModel(s.referenceModel(), "--reference-model"), hooks.cache, s.seqLen(), s.batch(), s.evalBatches());
        });
        ReferenceLosses.check(ref, hooks.sampler.domains());
        log.accept("dynamic sampling reference losses: " + ref);
        return ref;
    }

    private static void describe(CptSettings s, LlamaModel model, Trainer t, DomainSampler sampler, Consumer<String> log) {
        log.accept(String.format(Locale.ROOT, "model %s: %s, %,d parameters (%,d trainable); %d steps of %d x %d x %d tokens; sampler %s",
                s.model(), Models.moeConfigOf(model) == null ? "dense" : "MoE " + Models.moeConfigOf(model).numExperts() + " experts top-"
                        + Models.moeConfigOf(model).topK(), model.parameterCount(), t.trainableParameters(), s.steps(), s.accum(),
                s.batch(), s.seqLen(), sampler));
    }

    /** Validation per domain and the dynamic sampler update. */
    private static final class Hooks implements TrainLoop.Hooks {
        final CptSettings s;
        final LlamaModel model;
        final TokenCache cache;
        final DomainSampler sampler;
        final Consumer<String> log;
        LinkedHashMap<String, Double> reference;
        LinkedHashMap<String, Double> initial;  // measured for the reference; reused as the step-0 evaluation

        Hooks(CptSettings s, RunDir run, LlamaModel model, TokenCache cache, DomainSampler sampler, Consumer<String> log) {
            this.s = s;
            this.model = model;
            this.cache = cache;
            this.sampler = sampler;
            this.log = log;
        }

        @Override
        public LinkedHashMap<String, Double> evaluate() {
            if (initial != null) {
                LinkedHashMap<String, Double> v = initial;
                initial = null;
                return v;
            }
            return Validation.perDomain(model, cache, s.seqLen(), s.batch(), s.evalBatches());
        }

        @Override
        public boolean needsEval(int step) {
            return sampler.isUpdateStep(step);
        }

        @Override
        public void afterStep(int step, Map<String, Double> val) {
            if (!sampler.isUpdateStep(step)) return;
            sampler.update(val, reference);
        }

        @Override
        public Map<String, Double> samplerWeights() {
            return sampler.weightMap();
        }
    }

    static List<String> domainsOf(TokenCache cache) {
        return cache.domains(Split.TRAIN);
    }
}
