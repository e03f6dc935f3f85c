package io.moe4j.train;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moe4j.data.ProgressBar;
import io.moe4j.train.run.Checkpoint;
import io.moe4j.train.run.MetricsLog;
import io.moe4j.train.run.RunConfig;
import io.moe4j.train.run.RunDir;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The step loop shared by continual pre-training and instruction tuning: steps, evaluations, metrics lines,
 * checkpoints and the progress bar. What differs between the two (the batch source, what "validation" means,
 * the dynamic sampler) comes in through {@link Hooks}.
 *
 * <p>Order within step s: the update; validation when s is an eval step (or the hooks ask for one); the hooks'
 * after-step work (a dynamic sampler update); the metrics line; the checkpoint when s is a checkpoint step or
 * the last. The checkpoint therefore holds exactly the state that step s+1 starts from.
 */
public final class TrainLoop {
    /** What the caller plugs in. */
    public interface Hooks {
        /** Validation losses by name (domains, or "assistant" for SFT), evaluated now. */
        LinkedHashMap<String, Double> evaluate();

        /** True when step {@code step} needs validation losses beyond the regular eval schedule. */
        default boolean needsEval(int step) {
            return false;
        }

        /** After step {@code step}; {@code val} is null when nothing was evaluated. */
        default void afterStep(int step, Map<String, Double> val) {
        }

        /** The sampling weights used for the next step, for the metrics line; null when there are none. */
        default Map<String, Double> samplerWeights() {
            return null;
        }
    }

    /**
     * @param steps           total steps of the run (a resumed run continues up to it)
     * @param evalEvery       validation every this many steps (0: only before and after training)
     * @param evaluate        false turns validation off entirely
     * @param checkpointEvery checkpoint every this many steps (0: only at the end)
     * @param label           progress-bar label
     * @param stopAt          end this session after this global step with a checkpoint (0: run to {@code steps});
     *                        the run stays resumable, for time-sliced training
     */
    public record Options(int steps, int evalEvery, boolean evaluate, int checkpointEvery, String label, int stopAt) {
        public Options {
            if (stopAt < 0) throw new IllegalArgumentException("--stop-at must be >= 0, got " + stopAt);
            if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
            if (evalEvery < 0) throw new IllegalArgumentException("--eval-every must be >= 0, got " + evalEvery);
            if (checkpointEvery < 0) throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + checkpointEvery);
        }
    }

    private final Options opt;
    private final RunDir run;
    private final Path tokenizer;

    public TrainLoop(Options opt, RunDir run, Path tokenizer) {
        this.opt = opt;
        this.run = run;
        this.tokenizer = tokenizer;
    }

    /**
     * Runs steps {@code startStep+1 .. steps}. On a non-finite value (without skipping) the exception says which
     * checkpoint is the last good one; nothing newer is written.
     *
     * @param tokensSeen tokens processed before {@code startStep} (from the checkpoint)
     * @return the last checkpoint written
     */
    public Path run(Trainer trainer, BatchSource source, int startStep, long tokensSeen, Hooks hooks) {
        Checkpoint.removeIncomplete(run);
        Path last = run.latestCheckpoint().orElse(null);
        long seen = tokensSeen;
        double elapsed = 0;
        try (MetricsLog log = MetricsLog.open(run.metricsFile(), startStep == 0 ? -1 : startStep);
             ProgressBar bar = new ProgressBar(opt.label(), Math.max(0, end() - startStep), "step")) {
            if (startStep == 0 && opt.evaluate()) {
                ObjectNode l0 = RunConfig.JSON.createObjectNode();
                l0.put("step", 0);
                l0.set("val_loss", RunConfig.objectOf(hooks.evaluate()));
                putWeights(l0, hooks.samplerWeights());
                log.append(l0);
            }
            for (int s = startStep + 1; s <= end(); s++) {
                Map<String, Double> weights = hooks.samplerWeights();
                StepResult r;
                try {
                    r = trainer.step(source, s);
                } catch (NonFiniteException e) {
                    throw new NonFiniteException(e.step(), e.parameter(), e.getMessage() + "; run stopped, last good checkpoint: "
                            + (last == null ? "none (no checkpoint was written yet)" : last));
                }
                seen += r.tokens();
                elapsed += r.seconds();
                boolean evalNow = (opt.evaluate() && (s == opt.steps() || (opt.evalEvery() > 0 && s % opt.evalEvery() == 0)))
                        || hooks.needsEval(s);
                Map<String, Double> val = evalNow ? hooks.evaluate() : null;
                hooks.afterStep(s, val);
                log.append(line(r, weights, val, seen, elapsed));
                bar.suffix(String.format(Locale.ROOT, "loss %.4f  lr %.2e  %s tok/s%s", r.loss(), r.lr(),
                        ProgressBar.human(r.tokensPerSecond()), r.skipped() ? "  SKIPPED (non-finite)" : ""));
                bar.add(1);
                if (s == end() || (opt.checkpointEvery() > 0 && s % opt.checkpointEvery() == 0)) {
                    ObjectNode extra = RunConfig.JSON.createObjectNode();
                    extra.put("tokensSeen", seen);
                    last = Checkpoint.write(run, s, trainer, source.saveState(), extra, tokenizer);
                }
            }
        }
        return last;
    }

    /** The last step of this session. */
    private int end() {
        return opt.stopAt() > 0 ? Math.min(opt.stopAt(), opt.steps()) : opt.steps();
    }

    private static ObjectNode line(StepResult r, Map<String, Double> weights, Map<String, Double> val, long seen, double elapsed) {
        ObjectNode o = RunConfig.JSON.createObjectNode();
        o.put("step", r.step());
        o.put("loss", r.loss());
        o.put("lm_loss", r.lmLoss());
        o.put("balance_loss", r.balanceLoss());
        o.put("lr", r.lr());
        o.put("grad_norm", r.gradNorm());
        o.put("tokens", r.tokens());
        o.put("loss_tokens", r.lossTokens());
        o.put("tokens_per_s", r.tokensPerSecond());
        o.put("step_s", r.seconds());
        o.put("tokens_seen", seen);
        o.put("train_s", elapsed);
        if (r.skipped()) {
            o.put("skipped", true);
            o.put("non_finite", r.nonFinite());
        }
        if (r.expertLoad() != null) {
            ArrayNode load = o.putArray("expert_load");
            for (int[] layer : r.expertLoad()) {
                ArrayNode a = load.addArray();
                if (layer != null) for (int c : layer) a.add(c);
            }
        }
        putWeights(o, weights);
        if (val != null) o.set("val_loss", RunConfig.objectOf(val));
        return o;
    }

    private static void putWeights(ObjectNode o, Map<String, Double> weights) {
        if (weights != null) o.set("sampler_weights", RunConfig.objectOf(weights));
    }
}
