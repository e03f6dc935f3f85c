package io.moe4j.nn.functions;

import io.moe4j.autograd.Function;
import io.moe4j.autograd.Var;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Storage;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.cpu.Parallel;
import io.moe4j.tensor.cpu.FloatMath;
import io.moe4j.tensor.cpu.SimdConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Mean cross-entropy of logits [..., V] against integer targets, skipping rows whose target is
 * {@code ignoreIndex} (PyTorch's {@code F.cross_entropy(..., ignore_index)}): loss =
 * Σ_valid (logsumexp(x_r) − x_r[y_r]) / n_valid. A batch with no valid target gives 0 and a zero
 * gradient (PyTorch gives NaN), so a fully padded micro-batch cannot poison a run.
 *
 * <p>Fused because the vocabulary axis is the widest in the model, and exp over it is the cost. When a
 * gradient will be needed, the F32 forward keeps e^{x − max} of every row (the one exp pass; its row
 * sum gives the log-sum-exp), and backward turns that buffer in place into dx = (softmax(x) −
 * onehot(y)) · g / n_valid with one multiply per element, and returns it: no second exp pass and no
 * second [N, V] buffer (measured on the stories15M training step: 340 ms of CE before, two thirds
 * of it the backward's exp pass). Without a gradient only the sums are kept. F64 rows are a plain
 * double loop. Row losses are added in row order, so the result does not depend on the thread count.
 */
public final class SoftmaxCrossEntropyFn extends Function {
    private static final VectorSpecies<Float> S = SimdConfig.SPECIES;
    private final int[] targets;
    private final int ignoreIndex;
    private Tensor x;
    private double[] lse;
    private float[] expRows, invSum; // F32 with a gradient to come: e^{x − max} [rows, V] and 1/Σ per row
    private int valid;

    public SoftmaxCrossEntropyFn(int[] targets, int ignoreIndex) {
        this.targets = targets.clone();
        this.ignoreIndex = ignoreIndex;
    }

    /** logits [..., V], one target per row (row-major over the leading axes) -> scalar loss. */
    public static Var apply(Var logits, int[] targets, int ignoreIndex) {
        return Function.apply(new SoftmaxCrossEntropyFn(targets, ignoreIndex), logits);
    }

    // ---------------------------------------------------------------- forward

    @Override
    protected Tensor forward(Tensor... in) {
        x = in[0].contiguous();
        Rows.sameFloating("cross_entropy", x);
        int vocab = x.rank() == 0 ? 0 : x.size(-1), rows = vocab == 0 ? 0 : x.numel() / vocab;
        if (vocab == 0 || rows != targets.length)
            throw ShapeException.of("cross_entropy", "logits [..., V] need one target per row; got " + targets.length + " targets", x.shape());
        valid = countValid(targets, ignoreIndex, vocab);
        lse = new double[rows];
        double[] rowLoss = new double[rows];
        Storage st = x.storage();
        if (st.dtype == DType.F32 && needs(0)) {
            expRows = new float[rows * vocab]; // ignored rows stay zero: their gradient
            invSum = new float[rows];
        }
        Parallel.forRange(rows, Rows.minRows(vocab), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                if (targets[r] == ignoreIndex) continue;
                int at = x.offset() + r * vocab;
                lse[r] = st.dtype == DType.F64 ? logSumExp(st.d, at, vocab) : logSumExp(st.f, at, vocab, expRows, r * vocab, invSum, r);
                rowLoss[r] = lse[r] - st.get(at + targets[r]);
            }
        });
        double total = 0;
        for (double l : rowLoss) total += l;
        return Tensor.scalar(valid == 0 ? 0 : total / valid, x.dtype());
    }

    /** Rows whose target is not the ignore index; every other target must lie in [0, vocab). */
    static int countValid(int[] targets, int ignoreIndex, int vocab) {
        int valid = 0;
        for (int r = 0; r < targets.length; r++) {
            int y = targets[r];
            if (y != ignoreIndex && (y < 0 || y >= vocab))
                throw new IllegalArgumentException("cross_entropy: target " + y + " at row " + r + " is outside [0, " + vocab
                        + ") and is not the ignore index " + ignoreIndex);
            if (y != ignoreIndex) valid++;
        }
        return valid;
    }

    static double logSumExp(double[] a, int at, int n) {
        double m = Double.NEGATIVE_INFINITY, sum = 0;
        for (int i = 0; i < n; i++) m = Math.max(m, a[at + i]);
        for (int i = 0; i < n; i++) sum += Math.exp(a[at + i] - m);
        return m + Math.log(sum);
    }

    static double logSumExp(float[] a, int at, int n) {
        return logSumExp(a, at, n, null, 0, null, 0);
    }

    /** With {@code exps} non-null, also writes e^{a − max} to exps[eo, eo+n) (may be a itself) and 1/Σ to invSum[si]. */
    static double logSumExp(float[] a, int at, int n, float[] exps, int eo, float[] invSum, int si) {
        int i = 0, l = S.length();
        float m = Float.NEGATIVE_INFINITY;
        if (!SimdConfig.SCALAR && n >= l) {
            FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i <= n - l; i += l) mv = mv.max(FloatVector.fromArray(S, a, at + i));
            m = mv.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, a[at + i]);
        float sum = FloatMath.expShiftSum(a, at, m, exps, eo, n);
        if (invSum != null) invSum[si] = 1f / sum;
        return m + Math.log(sum);
    }

    // ---------------------------------------------------------------- backward

    @Override
    protected Tensor[] backward(Tensor g) {
        int vocab = x.size(-1), rows = targets.length;
        double coef = valid == 0 ? 0 : g.item() / valid;
        if (expRows != null) return new Tensor[] {gradFromKeptExps(rows, vocab, (float) coef)};
        Tensor gx = Tensor.zeros(x.dtype(), x.shape());
        Storage src = x.storage(), dst = gx.storage();
        Parallel.forRange(rows, Rows.minRows(vocab), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                if (targets[r] == ignoreIndex) continue; // the row's gradient stays zero
                int at = x.offset() + r * vocab, o = r * vocab;
                if (src.dtype == DType.F32) softmaxScaled(src.f, at, vocab, (float) lse[r], (float) coef, dst.f, o);
                else for (int i = 0; i < vocab; i++) dst.d[o + i] = Math.exp(src.d[at + i] - lse[r]) * coef;
                dst.set(o + targets[r], dst.get(o + targets[r]) - coef);
            }
        });
        return new Tensor[] {gx};
    }

    /** dx = e^{x − max} · (coef/Σ) − coef at the target, written over the kept buffer, which is then handed out. */
    private Tensor gradFromKeptExps(int rows, int vocab, float coef) {
        float[] e = expRows;
        expRows = null; // handed out: a second backward through this node takes the exp path above
        Parallel.forRange(rows, Rows.minRows(vocab), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                if (targets[r] == ignoreIndex) continue;
                VecMath.scale(e, r * vocab, vocab, coef * invSum[r]);
                e[r * vocab + targets[r]] -= coef;
            }
        });
        return Tensor.of(e, x.shape());
    }

    /** out[o..o+n) = exp(a[at..at+n) − lse) · coef. */
    static void softmaxScaled(float[] a, int at, int n, float lse, float coef, float[] out, int o) {
        FloatMath.expShiftSum(a, at, lse, out, o, n);
        VecMath.scale(out, o, n, coef);
    }
}
