package io.moe4j.train.optim;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * Learning rate as a function of the optimizer step.
 *
 * <p>Step convention (that of torch's {@code LambdaLR} as the Hugging Face Trainer drives it): {@code lr(s)} is
 * the rate used by the optimizer step taken when {@code s} steps have already been taken, so the first step uses
 * {@code lr(0)}, which is 0 whenever there is a warmup. Pass {@code AdamW.state().step()} before stepping.
 *
 * <p>The implementations are records with a {@code type} tag, so Jackson writes and reads them as a run's
 * configuration, e.g. {@code {"type":"cosine","peakLr":2e-4,"warmupSteps":100,"totalSteps":13624,
 * "finalPortion":0.1}}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = LrSchedule.Constant.class, name = "constant"),
        @JsonSubTypes.Type(value = LrSchedule.Linear.class, name = "linear"),
        @JsonSubTypes.Type(value = LrSchedule.WarmupCosine.class, name = "cosine")
})
public sealed interface LrSchedule permits LrSchedule.Constant, LrSchedule.Linear, LrSchedule.WarmupCosine {

    /** The learning rate for the step taken after {@code step} completed steps ({@code step >= 0}). */
    double lr(int step);

    /**
     * Hugging Face's {@code warmup_ratio}: {@code ceil(totalSteps * ratio)} warmup steps (SFT uses 3%).
     */
    static int warmupStepsFromRatio(int totalSteps, double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("warmup ratio must be in [0, 1], got " + ratio);
        }
        return (int) Math.ceil(totalSteps * ratio);
    }

    /** Linear warmup factor {@code step / max(1, warmup)} (HF's form). */
    private static double warmupFactor(int step, int warmupSteps) {
        return (double) step / Math.max(1, warmupSteps);
    }

    private static void checkCommon(String what, double peakLr, int warmupSteps) {
        if (!(peakLr >= 0) || Double.isInfinite(peakLr)) {
            throw new IllegalArgumentException(what + ": peakLr must be finite and >= 0, got " + peakLr);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException(what + ": warmupSteps must be >= 0, got " + warmupSteps);
        }
    }

    private static void checkStep(int step) {
        if (step < 0) {
            throw new IllegalArgumentException("learning-rate schedule: step must be >= 0, got " + step);
        }
    }

    /** {@code peakLr} after an optional linear warmup (HF {@code constant} / {@code constant_with_warmup}). */
    record Constant(double peakLr, int warmupSteps) implements LrSchedule {
        public Constant {
            checkCommon("constant schedule", peakLr, warmupSteps);
        }

        public static Constant of(double lr) {
            return new Constant(lr, 0);
        }

        @Override
        public double lr(int step) {
            checkStep(step);
            return step < warmupSteps ? peakLr * warmupFactor(step, warmupSteps) : peakLr;
        }
    }

    /**
     * Linear warmup, then linear decay to 0 at {@code totalSteps} and 0 after (HF
     * {@code get_linear_schedule_with_warmup}: factor {@code max(0, (total - s) / max(1, total - warmup))}).
     */
    record Linear(double peakLr, int warmupSteps, int totalSteps) implements LrSchedule {
        public Linear {
            checkCommon("linear schedule", peakLr, warmupSteps);
            if (totalSteps < warmupSteps) {
                throw new IllegalArgumentException("linear schedule: totalSteps (" + totalSteps
                        + ") must be >= warmupSteps (" + warmupSteps + ")");
            }
        }

        @Override
        public double lr(int step) {
            checkStep(step);
            if (step < warmupSteps) {
                return peakLr * warmupFactor(step, warmupSteps);
            }
            double f = (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps);
            return peakLr * Math.max(0.0, f);
        }
    }

    /**
     * Linear warmup, then LLaMA-MoE's clamped cosine (METHOD.md §5.4, {@code smoe/trainer/llama_lr_scheduling.py}):
     * with {@code p = (s - warmup) / max(1, total - warmup)}, the factor is
     * {@code max(finalPortion, ½(1 + cos(π p)))}. This is a clamp, not a cosine rescaled onto
     * [finalPortion, 1]: the rate follows the plain cosine until it reaches the floor, then stays there (for
     * finalPortion 0.1 from p ≈ 0.795). With finalPortion 0 it is HF's {@code cosine} schedule, used for SFT.
     */
    record WarmupCosine(double peakLr, int warmupSteps, int totalSteps, double finalPortion) implements LrSchedule {
        public WarmupCosine {
            checkCommon("cosine schedule", peakLr, warmupSteps);
            if (totalSteps < warmupSteps) {
                throw new IllegalArgumentException("cosine schedule: totalSteps (" + totalSteps
                        + ") must be >= warmupSteps (" + warmupSteps + ")");
            }
            if (!(finalPortion >= 0 && finalPortion <= 1)) {
                throw new IllegalArgumentException("cosine schedule: finalPortion must be in [0, 1], got "
                        + finalPortion);
            }
        }

        /** The LLaMA-MoE CPT schedule: peak 2e-4, 100 warmup steps, floor 0.1 of the peak. */
        public static WarmupCosine llamaMoeCpt(int totalSteps) {
            return new WarmupCosine(2e-4, 100, totalSteps, 0.1);
        }

        @Override
        public double lr(int step) {
            checkStep(step);
            if (step < warmupSteps) {
                return peakLr * warmupFactor(step, warmupSteps);
            }
            double p = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
            return peakLr * Math.max(finalPortion, 0.5 * (1.0 + Math.cos(Math.PI * p)));
        }
    }
}
