package io.moe4j.train.optim;

import io.moe4j.tensor.cpu.Parallel;
import java.util.Optional;

/**
 * Whole-model gradient utilities on the flat gradient buffer: global-norm clipping, the gradient-accumulation
 * scale and a non-finite check.
 *
 * <p>Determinism: sums are taken in double over fixed blocks of {@link #BLOCK} elements (block bounds depend on
 * the buffer alone), then the block sums are added in block order. The norm is therefore bit-identical for any
 * thread count; it is also more accurate than torch's float32 per-tensor norms, so it agrees with torch's
 * {@code clip_grad_norm_} to float precision, not bit for bit.
 */
public final class GradientOps {
    /** Elements per partial sum. */
    static final int BLOCK = 1 << 14;
    private static final int MIN_CHUNK = 1 << 15;

    private GradientOps() {}

    // ------------------------------------------------------------------------------------------------- norms

    /** L2 norm of the whole buffer, in double. */
    public static double globalNorm(float[] grads) {
        return globalNorm(grads, Spans.builder().add(0, grads.length, false).build());
    }

    /**
     * L2 norm over the elements in {@code spans} (e.g. {@link AdamW#trainable()}, so frozen tensors, which have
     * no gradient in torch, do not count), in double.
     */
    public static double globalNorm(float[] grads, Spans spans) {
        int n = spans.total();
        int blocks = (n + BLOCK - 1) / BLOCK;
        double[] partial = new double[blocks];
        Parallel.forRange(blocks, 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                double[] acc = {0};
                spans.walk(b * BLOCK, (int) Math.min(n, (long) (b + 1) * BLOCK), (from, to, span) -> {
                    double s = 0;
                    for (int i = from; i < to; i++) {
                        double x = grads[i];
                        s += x * x;
                    }
                    acc[0] += s;
                });
                partial[b] = acc[0];
            }
        });
        double total = 0;
        for (double p : partial) {
            total += p;
        }
        return Math.sqrt(total);
    }

    /** {@link #clipGlobalNorm(float[], Spans, double)} over the whole buffer. */
    public static double clipGlobalNorm(float[] grads, double maxNorm) {
        return clipGlobalNorm(grads, Spans.builder().add(0, grads.length, false).build(), maxNorm);
    }

    /**
     * Scales the gradients in {@code spans} so their global L2 norm is at most {@code maxNorm}, with torch's
     * {@code clip_grad_norm_} rule: {@code coef = maxNorm / (norm + 1e-6)}, applied only when {@code coef < 1}.
     * When the norm is NaN or infinite nothing is scaled (torch would spread the NaN into every gradient); the
     * caller should then skip the step, as the returned value shows.
     *
     * @return the norm before clipping
     */
    public static double clipGlobalNorm(float[] grads, Spans spans, double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("clipGlobalNorm: maxNorm must be finite and > 0, got " + maxNorm);
        }
        double norm = globalNorm(grads, spans);
        double coef = maxNorm / (norm + 1e-6);
        if (Double.isFinite(norm) && coef < 1) {
            float c = (float) coef;
            spans.forEachParallel(MIN_CHUNK, (from, to, span) -> {
                for (int i = from; i < to; i++) {
                    grads[i] *= c;
                }
            });
        }
        return norm;
    }

    // ------------------------------------------------------------------------------------------- accumulation

    /**
     * Turns the sum of {@code accumSteps} micro-batch gradients into their mean, in place. Equivalent to
     * upstream's dividing each micro-batch loss by the accumulation count (exactly so when it is a power of two).
     */
    public static void scaleForAccumulation(float[] grads, int accumSteps) {
        if (accumSteps < 1) {
            throw new IllegalArgumentException("gradient accumulation steps must be >= 1, got " + accumSteps);
        }
        if (accumSteps > 1) {
            scale(grads, (float) (1.0 / accumSteps));
        }
    }

    /** {@code grads *= factor}, in place. */
    public static void scale(float[] grads, float factor) {
        Parallel.forRange(grads.length, MIN_CHUNK, (from, to) -> {
            for (int i = from; i < to; i++) {
                grads[i] *= factor;
            }
        });
    }

    // --------------------------------------------------------------------------------------------- non-finite

    /**
     * The name of the first parameter (lowest flat offset) whose slice of {@code buffer} holds a NaN or an
     * infinity, or empty if all are finite. Works on gradients and parameters alike; padding is ignored.
     */
    public static Optional<String> firstNonFinite(ParamLayout layout, float[] buffer) {
        layout.checkLength("non-finite check", buffer);
        int n = buffer.length;
        int blocks = (n + BLOCK - 1) / BLOCK;
        int[] firstBad = new int[blocks];
        Parallel.forRange(blocks, 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                firstBad[b] = firstNonFinite(layout, buffer, b * BLOCK, (int) Math.min(n, (long) (b + 1) * BLOCK));
            }
        });
        for (int bad : firstBad) {
            if (bad >= 0) {
                return Optional.of(layout.segmentAt(bad).name());
            }
        }
        return Optional.empty();
    }

    /** First index in {@code [from, to)} that is non-finite and belongs to a segment, or -1. */
    private static int firstNonFinite(ParamLayout layout, float[] x, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Float.isFinite(x[i]) && layout.segmentAt(i) != null) {
                return i;
            }
        }
        return -1;
    }
}
