package io.moe4j.train.sft;

import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.data.tokenizer.Tokenizers;
import io.moe4j.nn.LlamaModel;
import io.moe4j.train.MicroBatch;
import io.moe4j.train.RunSetup;
import io.moe4j.train.TrainLoop;
import io.moe4j.train.Trainer;
import io.moe4j.train.Validation;
import io.moe4j.train.optim.FreezeRules;
import io.moe4j.train.optim.LrSchedule;
import io.moe4j.train.run.Checkpoint;
import io.moe4j.train.run.RunDir;
import io.moe4j.train.run.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * Instruction tuning (METHOD.md §6): conversations rendered with a {@link ChatTemplate}, loss on assistant tokens
 * only, with the same trainer, checkpoints and metrics as pre-training. A fixed set of held-out conversations gives
 * the "assistant" validation loss, measured before training, every {@code evalEvery} steps, and at the end.
 */
public final class SftRun {
    private SftRun() {}

    public static RunSummary run(SftSettings s, Consumer<String> log) {
        validate(s);
        RunDir run = RunDir.open(s.out(), "sft", s, SftSettings.NOT_HASHED, s.resume(), log);
        Checkpoint.Loaded ckpt = Checkpoint.latest(run);
        LlamaModel model = ckpt != null ? ckpt.model() : RunSetup.loadModel(s.model(), "--model");
        Data data = data(s, model, log);
        int steps = s.steps() > 0 ? s.steps() : s.epochs() * (int) Math.ceil(data.train().size() / (double) (s.batch() * s.accum()));
        LrSchedule sched = RunSetup.schedule(s.schedule(), s.lr(), LrSchedule.warmupStepsFromRatio(steps, s.warmupRatio()), steps, s.minLrRatio());
        FreezeRules freeze = FreezeRules.of(s.freeze());
        if (s.freezeRouter()) freeze = freeze.or(FreezeRules.preset("router"));
        Trainer trainer = new Trainer(model, new Trainer.Options(RunSetup.adam(s.beta1(), s.beta2(), s.weightDecay(), s.decayRule()), freeze,
                sched, s.accum(), s.clip(), s.skipNonFinite(), s.seed()));
        SftLoader loader = ckpt != null ? SftLoader.restore(data.train(), s.batch(), data.pad(), ckpt.sourceState())
                : new SftLoader(data.train(), s.batch(), s.seed(), data.pad());
        int start = 0;
        long seen = 0;
        if (ckpt != null) {
            ckpt.restoreInto(trainer);
            start = ckpt.step();
            seen = ckpt.tokensSeen();
            log.accept("resuming " + run.root() + " from step " + start);
        }
        log.accept(String.format(java.util.Locale.ROOT, "%s: %,d parameters (%,d trainable), %d steps of %d x %d rows, template %s",
                s.model(), model.parameterCount(), trainer.trainableParameters(), steps, s.accum(), s.batch(), s.template()));
        TrainLoop.Hooks hooks = () -> {
            LinkedHashMap<String, Double> m = new LinkedHashMap<>();
            m.put("assistant", Validation.meanLoss(model, data.val().iterator()));
            return m;
        };
        TrainLoop loop = new TrainLoop(new TrainLoop.Options(steps, s.evalEvery(), !data.val().isEmpty(), s.checkpointEvery(), "sft",
                s.stopAt()), run, data.tokenizer());
        boolean done = start >= steps || (s.stopAt() > 0 && start >= s.stopAt());
        Path last = done ? (ckpt == null ? null : ckpt.dir()) : loop.run(trainer, loader, start, seen, hooks);
        return RunSummary.finish(run, model, data.tokenizer(), steps, last, log);
    }

    /** Training rows, held-out micro-batches, the tokenizer file and the padding id. */
    private record Data(List<SftEncoder.Encoded> train, List<MicroBatch> val, Path tokenizer, int pad) {}

    /** Reads, splits, renders, tokenises and cuts the conversations, and reports what was cut or dropped. */
    private static Data data(SftSettings s, LlamaModel model, Consumer<String> log) {
        int max = model.config().maxSeqLen();
        int limit = s.seqLen() > 0 ? s.seqLen() : Math.min(2048, max);
        if (limit > max) throw new IllegalArgumentException("--seq-len " + limit + " is larger than the model's max_seq_len " + max);
        Path tokFile = RunSetup.tokenizerFor(s.model(), s.tokenizer());
        if (tokFile == null) throw new IllegalArgumentException("no tokenizer sits beside --model " + s.model() + "; pass --tokenizer FILE");
        Tokenizer tok = Tokenizers.load(tokFile);
        if (tok.vocabSize() > model.config().vocabSize())
            throw new IllegalArgumentException("tokenizer " + tokFile + " has " + tok.vocabSize() + " tokens, the model only " + model.config().vocabSize());
        List<Conversation> all = SftData.read(s.data(), SftData.Format.parse(s.format()), log);
        if (s.valExamples() >= all.size())
            throw new IllegalArgumentException("--val-examples " + s.valExamples() + " leaves no training data (" + all.size() + " conversations)");
        List<Conversation> train = new ArrayList<>(), val = new ArrayList<>();
        split(all, s.valExamples(), s.seed(), train, val);
        SftEncoder enc = new SftEncoder(tok, ChatTemplate.parse(s.template()), s.system(), limit, SftEncoder.Overflow.parse(s.overflow()));
        SftEncoder.Result tr = enc.encodeAndCount(train), va = enc.encodeAndCount(val);
        log.accept("training data: " + tr.stats().describe(limit));
        if (!val.isEmpty()) log.accept("held-out data: " + va.stats().describe(limit));
        if (tr.rows().isEmpty())
            throw new IllegalArgumentException("--data " + s.data() + ": no training row has an assistant token within " + limit + " tokens");
        int pad = tok.eosId();
        List<MicroBatch> valBatches = new ArrayList<>();
        for (int i = 0; i < va.rows().size(); i += s.batch())
            valBatches.add(SftLoader.padded(va.rows().subList(i, Math.min(va.rows().size(), i + s.batch())), pad));
        return new Data(tr.rows(), valBatches, tokFile, pad);
    }

    static void validate(SftSettings s) {
        RunSetup.existing(s.model(), "--model");
        RunSetup.existing(s.data(), "--data");
        if (!Files.isRegularFile(s.data())) throw new IllegalArgumentException("--data " + s.data() + " is not a file");
        if (s.out() == null) throw new IllegalArgumentException("--out is required");
        RunSetup.nonNegative(s.seqLen(), "--seq-len");
        RunSetup.positive(s.batch(), "--batch");
        RunSetup.positive(s.accum(), "--accum");
        RunSetup.nonNegative(s.steps(), "--steps");
        if (s.steps() == 0) RunSetup.positive(s.epochs(), "--epochs");
        RunSetup.nonNegative(s.valExamples(), "--val-examples");
        RunSetup.nonNegative(s.evalEvery(), "--eval-every");
        RunSetup.nonNegative(s.checkpointEvery(), "--checkpoint-every");
        SftData.Format.parse(s.format());
        ChatTemplate.parse(s.template());
        SftEncoder.Overflow.parse(s.overflow());
        FreezeRules.of(s.freeze());
        RunSetup.adam(s.beta1(), s.beta2(), s.weightDecay(), s.decayRule());
        if (!(s.warmupRatio() >= 0 && s.warmupRatio() <= 1))
            throw new IllegalArgumentException("--warmup-ratio must be in [0, 1], got " + s.warmupRatio());
    }

    /** A seeded split: the first {@code n} conversations of a shuffled order are held out. */
    static void split(List<Conversation> all, int n, long seed, List<Conversation> train, List<Conversation> val) {
        int[] order = new int[all.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        new io.moe4j.data.sampling.SplitMix64(io.moe4j.data.sampling.SplitMix64.mix(seed, 0x5F7)).shuffle(order);
        for (int i = 0; i < order.length; i++) (i < n ? val : train).add(all.get(order[i]));
    }
}
