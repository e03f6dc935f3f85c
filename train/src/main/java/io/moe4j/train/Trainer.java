package io.moe4j.train;

import io.moe4j.autograd.Var;
import io.moe4j.moe.MoeFfn;
import io.moe4j.moe.TopKGate;
import io.moe4j.nn.DecoderBlock;
import io.moe4j.nn.LlamaModel;
import io.moe4j.nn.ParameterBuffer;
import io.moe4j.tensor.DType;
import io.moe4j.train.optim.AdamW;
import io.moe4j.train.optim.AdamWConfig;
import io.moe4j.train.optim.FreezeRules;
import io.moe4j.train.optim.GradientOps;
import io.moe4j.train.optim.LrSchedule;
import io.moe4j.train.optim.ParamLayout;
import io.moe4j.train.optim.ParamSegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One optimizer step of a {@link LlamaModel}, dense or MoE: {@code accum} micro-batches of forward and backward
 * on loss = LM cross-entropy + Σ_layers balance loss (METHOD.md §2.4; each layer's loss already carries its
 * weight 0.01), gradients averaged over the micro-batches, a non-finite guard, global-norm clipping, then AdamW
 * with the schedule's learning rate.
 *
 * <p>Parameters live in one {@link ParameterBuffer} (llm.c layout), so clipping, the guard and the optimizer are
 * each one pass over flat arrays. Nothing here draws random numbers except the MoE gates' noise, which is
 * counter-based per layer ({@link #gateNoise()}), so a checkpoint of the buffers, the optimizer moments, the
 * gate counters and the batch source resumes bit for bit.
 */
public final class Trainer {
    /**
     * @param adam          betas, eps, weight decay and the decay rule
     * @param freeze        parameters left untouched (a rule that matches nothing is an error)
     * @param schedule      learning rate as a function of the optimizer step
     * @param accum         micro-batches per step (>= 1)
     * @param clip          max global gradient norm; 0 disables clipping
     * @param skipNonFinite on a NaN/Inf, skip the update instead of throwing {@link NonFiniteException}
     * @param noiseSeed     base seed of the per-layer gate-noise streams
     */
    public record Options(AdamWConfig adam, FreezeRules freeze, LrSchedule schedule, int accum, double clip,
                          boolean skipNonFinite, long noiseSeed) {
        public Options {
            if (accum < 1) throw new IllegalArgumentException("--accum must be >= 1, got " + accum);
            if (!(clip >= 0) || Double.isInfinite(clip)) throw new IllegalArgumentException("--clip must be finite and >= 0, got " + clip);
        }
    }

    private final LlamaModel model;
    private final ParameterBuffer buffer;
    private final ParamLayout layout;
    private final AdamW adam;
    private final Options opt;
    private final long[] noiseSeeds;  // [L] per-layer gate-noise seed (unused for dense layers)

    /** Moves the model's parameters into a flat buffer (rebinding them) and builds the optimizer over it. */
    public Trainer(LlamaModel model, Options opt) {
        if (model.dtype() != DType.F32) throw new IllegalArgumentException("training needs an F32 model, got " + model.dtype());
        this.model = model;
        this.opt = opt;
        this.buffer = ParameterBuffer.of(model);
        this.layout = layoutOf(buffer);
        List<String> unmatched = opt.freeze().unmatched(buffer.slices().stream().map(ParameterBuffer.Slice::name).toList());
        if (!unmatched.isEmpty())
            throw new IllegalArgumentException("freeze rule(s) " + unmatched + " match no parameter of this model (first names: "
                    + buffer.slices().get(0).name() + ", ...)");
        this.adam = new AdamW(layout, opt.adam(), opt.freeze());
        this.noiseSeeds = new long[model.numLayers()];
        for (int l = 0; l < noiseSeeds.length; l++) noiseSeeds[l] = opt.noiseSeed() * 1_000_003L + 7919L * l + 1;
        setGateNoise(new long[model.numLayers()]);
    }

    /** The optimizer's view of the flat buffer: one segment per parameter, same offsets. */
    public static ParamLayout layoutOf(ParameterBuffer buf) {
        List<ParamSegment> segs = new ArrayList<>();
        for (ParameterBuffer.Slice s : buf.slices()) segs.add(new ParamSegment(s.name(), s.offset(), s.numel(), s.shape()));
        return new ParamLayout(segs, buf.size());
    }

    public LlamaModel model() { return model; }
    public ParameterBuffer buffer() { return buffer; }
    public ParamLayout layout() { return layout; }
    public AdamW optimizer() { return adam; }
    public Options options() { return opt; }

    /** Trainable (not frozen) parameter count. */
    public long trainableParameters() {
        return adam.trainable().total();
    }

    // ------------------------------------------------------------------------------------------ gate noise

    /** Noise draws made so far by each layer's gate ([L]; 0 for dense layers). */
    public long[] gateNoise() {
        long[] calls = new long[model.numLayers()];
        for (int l = 0; l < calls.length; l++) {
            TopKGate g = gate(model.layer(l));
            if (g != null) calls[l] = g.noiseCalls();
        }
        return calls;
    }

    /** The per-layer noise seeds (derived from {@link Options#noiseSeed()}). */
    public long[] gateNoiseSeeds() {
        return noiseSeeds.clone();
    }

    /** Restores each layer's noise counter, so the next draws equal those of the run that saved them. */
    public void setGateNoise(long[] calls) {
        if (calls.length != model.numLayers())
            throw new IllegalArgumentException("gate-noise state has " + calls.length + " layers, the model " + model.numLayers());
        for (int l = 0; l < calls.length; l++) {
            TopKGate g = gate(model.layer(l));
            if (g != null) g.setNoiseState(noiseSeeds[l], calls[l]);
        }
    }

    private static TopKGate gate(DecoderBlock b) {
        return b.ffn() instanceof MoeFfn m ? m.gate() : null;
    }

    // ------------------------------------------------------------------------------------------ the step

    /**
     * Runs step {@code step} (1-based, for messages): {@code accum} micro-batches from {@code source}, then one
     * update, unless a non-finite value is found (then it throws, or skips when {@code skipNonFinite}).
     */
    public StepResult step(BatchSource source, int step) {
        long t0 = System.nanoTime();
        model.train(true);
        buffer.zeroGrad();
        double lmSum = 0, balSum = 0;
        long tokens = 0, lossTokens = 0;
        int[][] load = null;
        String failed = null;  // a forward/backward that stopped on a NaN (e.g. the router's top-k)
        for (int a = 0; a < opt.accum(); a++) {
            MicroBatch mb = source.next();  // always drawn, so a failed step consumes the same data as a good one
            tokens += (long) mb.rows() * mb.seqLen();
            lossTokens += mb.lossTokens();
            if (failed != null) continue;
            try {
                Var lm = model.loss(mb.inputs(), mb.targets(), MicroBatch.IGNORE);
                Var total = lm;
                double bal = 0;
                for (Var aux : model.auxLosses()) {
                    total = total.add(aux);
                    bal += aux.data().item();
                }
                total.backward();
                lmSum += lm.data().item();
                balSum += bal;
                load = addLoad(load);
            } catch (IllegalArgumentException | ArithmeticException e) {
                if (!mentionsNonFinite(e)) throw e;
                failed = e.getMessage();
                lmSum = Double.NaN;
            }
        }
        float[] grads = buffer.grad();
        GradientOps.scaleForAccumulation(grads, opt.accum());
        double lm = lmSum / opt.accum(), bal = balSum / opt.accum(), loss = lm + bal;
        double lr = opt.schedule().lr(adam.state().step());
        Bad bad = failed != null ? forwardFailure(failed) : nonFinite(loss, grads);
        if (bad != null) {
            String msg = String.format(Locale.ROOT, "non-finite %s at step %d (loss %s)", bad.what(), step, loss);
            if (!opt.skipNonFinite()) throw new NonFiniteException(step, bad.param(), msg);
            return new StepResult(step, loss, lm, bal, lr, Double.NaN, tokens, lossTokens, seconds(t0), load, true, bad.what());
        }
        double norm = opt.clip() > 0 ? GradientOps.clipGlobalNorm(grads, adam.trainable(), opt.clip())
                : GradientOps.globalNorm(grads, adam.trainable());
        adam.step(buffer.data(), grads, lr);
        return new StepResult(step, loss, lm, bal, lr, norm, tokens, lossTokens, seconds(t0), load, false, null);
    }

    /** Kernels that refuse NaN input (the router's top-k) say so in their message; anything else is a real bug. */
    private static boolean mentionsNonFinite(RuntimeException e) {
        return e.getMessage() != null && NON_FINITE.matcher(e.getMessage()).find();
    }

    private static final java.util.regex.Pattern NON_FINITE =
            java.util.regex.Pattern.compile("\\bNaN\\b|\\b[Ii]nfinit|non-finite");

    /** What was non-finite, and the parameter to blame (null when none can be named). */
    private record Bad(String what, String param) {}

    /** A non-finite parameter is named first (the usual root cause), then the first non-finite gradient. */
    private Bad nonFinite(double loss, float[] grads) {
        Optional<String> g = GradientOps.firstNonFinite(layout, grads);
        if (Double.isFinite(loss) && g.isEmpty()) return null;
        Optional<String> p = GradientOps.firstNonFinite(layout, buffer.data());
        if (p.isPresent()) return new Bad("value in parameter '" + p.get() + "'", p.get());
        if (g.isPresent()) return new Bad("gradient of parameter '" + g.get() + "'", g.get());
        return new Bad("loss; " + largest(), largestName());
    }

    /** The forward pass itself stopped on a NaN or overflow although every parameter may still be finite. */
    private Bad forwardFailure(String message) {
        Optional<String> p = GradientOps.firstNonFinite(layout, buffer.data());
        if (p.isPresent()) return new Bad("value in parameter '" + p.get() + "'", p.get());
        return new Bad("value in the forward pass (" + message + "); " + largest(), largestName());
    }

    /** "largest weight |w| = X in 'name'": the likely source of an overflow when all weights are finite. */
    private String largest() {
        return String.format(Locale.ROOT, "largest weight |w| = %.3g in '%s'", largestValue(), largestName());
    }

    private String largestName() {
        ParamSegment best = null;
        float max = -1;
        float[] w = buffer.data();
        for (ParamSegment seg : layout.segments())
            for (int i = seg.offset(); i < seg.end(); i++)
                if (Math.abs(w[i]) > max) {
                    max = Math.abs(w[i]);
                    best = seg;
                }
        return best == null ? null : best.name();
    }

    private double largestValue() {
        float max = 0;
        for (float x : buffer.data()) max = Math.max(max, Math.abs(x));
        return max;
    }

    private int[][] addLoad(int[][] load) {
        int n = model.numLayers();
        for (int l = 0; l < n; l++) {
            if (!(model.layer(l).ffn() instanceof MoeFfn m) || m.lastCounts() == null) continue;
            int[] c = m.lastCounts();
            if (load == null) load = new int[n][];
            if (load[l] == null) load[l] = new int[c.length];
            for (int e = 0; e < c.length; e++) load[l][e] += c[e];
        }
        return load;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
