package io.moe4j.train.optim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * AdamW with decoupled weight decay over flat parameter, gradient and moment buffers, reproducing
 * {@code torch.optim.AdamW} (torch 1.13 / 2.x, single-tensor and foreach paths, amsgrad off) step for step:
 * <pre>
 *   t += 1
 *   p  = p * (1 - lr*wd)                       (decayed tensors only)
 *   m  = m*beta1 + (1-beta1)*g
 *   v  = v*beta2 + (1-beta2)*g*g
 *   denom = sqrt(v) / sqrt(1 - beta2^t) + eps  (eps added AFTER the bias correction, torch's placement)
 *   p  = p - (lr / (1 - beta1^t)) * m / denom
 * </pre>
 * The arithmetic is float32 with the scalars computed in double and rounded to float, in torch's operand
 * order, and the m update is a fused multiply-add as in ATen's vectorised {@code add_}; the golden test finds
 * the result bit-identical to torch 1.13 on CPU. {@link Math#fma(float, float, float)} is a single
 * instruction (and auto-vectorised) on every x86-64 CPU since 2013 and on AArch64; on a CPU without FMA the
 * JDK computes it exactly in software, correct but many times slower.
 *
 * <p>Which elements are touched is decided once, at construction: segments are frozen by {@link FreezeRules}
 * (never read, never written, zero moments) or trainable, and trainable ones are decayed or not by
 * {@link AdamWConfig#decays}. These become merged {@link Spans}, so {@link #step} is one branch-free pass per
 * span, split over {@link io.moe4j.tensor.cpu.Parallel} in fixed chunks: the result does not depend on the
 * thread count. Padding between segments is left alone.
 */
public final class AdamW {
    /** Elements per parallel chunk at least; the update is memory-bound, so smaller chunks only add overhead. */
    private static final int MIN_CHUNK = 1 << 15;

    private final ParamLayout layout;
    private final AdamWConfig config;
    private final FreezeRules freeze;
    private final Spans spans;  // trainable elements; flag = decayed
    private final AdamWState state;

    public AdamW(ParamLayout layout, AdamWConfig config) {
        this(layout, config, FreezeRules.none());
    }

    public AdamW(ParamLayout layout, AdamWConfig config, FreezeRules freeze) {
        this.layout = layout;
        this.config = config;
        this.freeze = freeze;
        this.spans = buildSpans(layout, config, freeze);
        this.state = new AdamWState(layout.totalLength());
    }

    private static Spans buildSpans(ParamLayout layout, AdamWConfig config, FreezeRules freeze) {
        List<ParamSegment> sorted = new ArrayList<>(layout.segments());
        sorted.sort(Comparator.comparingInt(ParamSegment::offset));
        Spans.Builder b = Spans.builder();
        for (ParamSegment s : sorted) {
            if (!freeze.isFrozen(s.name())) {
                b.add(s.offset(), s.end(), config.weightDecay() > 0 && config.decays(s));
            }
        }
        return b.build();
    }

    public ParamLayout layout() {
        return layout;
    }

    public AdamWConfig config() {
        return config;
    }

    public FreezeRules freezeRules() {
        return freeze;
    }

    /** Step count and moments, live (for checkpointing and restoring). */
    public AdamWState state() {
        return state;
    }

    /** Elements that {@link #step} updates; {@code flag(i)} tells whether span i is weight-decayed. */
    public Spans trainable() {
        return spans;
    }

    /** Whether the named parameter is frozen. */
    public boolean isFrozen(String name) {
        return freeze.isFrozen(layout.get(name).name());
    }

    /** Whether the named parameter is weight-decayed (false when frozen or when weightDecay is 0). */
    public boolean isDecayed(String name) {
        ParamSegment s = layout.get(name);
        return !freeze.isFrozen(name) && config.weightDecay() > 0 && config.decays(s);
    }

    /**
     * One optimizer step with learning rate {@code lr}, updating {@code params} and the moments in place.
     *
     * @param params flat parameters, length {@code layout().totalLength()}
     * @param grads  flat gradients, same length; read only
     * @param lr     this step's learning rate (finite, >= 0), e.g. {@code schedule.lr(state().step())}
     */
    public void step(float[] params, float[] grads, double lr) {
        layout.checkLength("AdamW parameter", params);
        layout.checkLength("AdamW gradient", grads);
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("AdamW: learning rate must be finite and >= 0, got " + lr);
        }
        state.advance();
        Scalars k = new Scalars(config, lr, state.step());
        float[] m = state.m();
        float[] v = state.v();
        spans.forEachParallel(MIN_CHUNK, (from, to, span) ->
                update(params, grads, m, v, from, to, spans.flag(span), k));
    }

    /** Per-step constants, each rounded to float where torch passes a Python scalar into a float32 kernel. */
    private record Scalars(float decayMul, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                           float bc2Sqrt, float eps, float negStepSize) {
        Scalars(AdamWConfig c, double lr, int t) {
            this((float) (1 - lr * c.weightDecay()), (float) c.beta1(), (float) (1 - c.beta1()), (float) c.beta2(),
                    (float) (1 - c.beta2()), (float) Math.sqrt(1 - Math.pow(c.beta2(), t)), (float) c.eps(),
                    (float) -(lr / (1 - Math.pow(c.beta1(), t))));
        }
    }

    /** The update on {@code [from, to)}: one read and one write of p, m, v, one read of g per element. */
    private static void update(float[] p, float[] g, float[] m, float[] v, int from, int to, boolean decay,
                               Scalars k) {
        float decayMul = decay ? k.decayMul : 1f;  // x * 1f == x exactly, so undecayed spans are unchanged
        for (int i = from; i < to; i++) {
            float gi = g[i];
            // torch: exp_avg.mul_(beta1).add_(grad, alpha=1-beta1); ATen's vectorised add is an fma
            float mi = Math.fma(gi, k.oneMinusBeta1, m[i] * k.beta1);
            // torch: exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2) = v*b2 + ((1-b2)*g)*g
            float vi = v[i] * k.beta2 + k.oneMinusBeta2 * gi * gi;
            float denom = (float) Math.sqrt(vi) / k.bc2Sqrt + k.eps;
            // torch: param.addcdiv_(exp_avg, denom, value=-step_size) = p + (value*m)/denom
            p[i] = p[i] * decayMul + k.negStepSize * mi / denom;
            m[i] = mi;
            v[i] = vi;
        }
    }
}
