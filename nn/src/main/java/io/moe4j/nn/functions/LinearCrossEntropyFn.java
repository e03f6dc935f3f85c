package io.moe4j.nn.functions;

import io.moe4j.autograd.Function;
import io.moe4j.autograd.Var;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.cpu.Gemm;
import io.moe4j.tensor.cpu.Parallel;
import io.moe4j.tensor.cpu.ScratchPool;

/**
 * The language-model head and its loss as one Function: logits = h · Wᵀ (h [..., C], W [V, C]) and the mean
 * cross-entropy of {@link SoftmaxCrossEntropyFn} against integer targets, without the logits ever being a tensor of
 * the graph.
 *
 * <p>Why: at V = 32,000 and 2,048 tokens the logits are 262 MB. Composed, the step allocates them (zeroed, in fresh
 * pages), the loss allocates a second buffer of the same size for its exps, and every step's pair of humongous
 * arrays drives the collector. Here one buffer from {@link ScratchPool} holds the logits, then in place their exps
 * (one exp pass), which feed the two GEMMs of the backward; after that it goes back to the pool. Without a gradient it goes back right after the forward.
 *
 * <p>Backward: dL = (softmax − onehot)·g/n_valid (zero on ignored rows); dh = dL · W; dW = dLᵀ · h. In F32 the
 * buffer keeps the exps E and dL is never formed: with s = g/(n_valid·Σ) per row, dh = diag(s)·E·W − (g/n_valid)·W[y]
 * and dW = Eᵀ·diag(s)·h − (g/n_valid)·Σ onehot(y)⊗h, which saves a read and write of the whole buffer. F64 (for
 * GradCheck) forms dL and goes through {@code Ops.matmul} and double loops, with a fresh buffer.
 */
public final class LinearCrossEntropyFn extends Function {
    private final int[] targets;
    private final int ignoreIndex;
    private Tensor h, w, buf;
    private float[] invSumF;  // F32: 1/Σ per row
    private double[] invSum;  // F64
    private int rows, vocab, dim, valid;

    private LinearCrossEntropyFn(int[] targets, int ignoreIndex) {
        this.targets = targets.clone();
        this.ignoreIndex = ignoreIndex;
    }

    /** h [..., C], w [V, C] (same dtype), one target per row of h -> scalar mean loss. */
    public static Var apply(Var h, Var w, int[] targets, int ignoreIndex) {
        return Function.apply(new LinearCrossEntropyFn(targets, ignoreIndex), h, w);
    }

    @Override
    protected Tensor forward(Tensor... in) {
        h = in[0].contiguous();
        w = in[1].contiguous();
        Rows.sameFloating("linear_cross_entropy", h, w);
        dim = h.rank() == 0 ? 0 : h.size(-1);
        if (w.rank() != 2 || w.size(1) != dim) throw ShapeException.of("linear_cross_entropy", "h [..., C] needs weight [V, C]", h.shape(), w.shape());
        vocab = w.size(0);
        rows = dim == 0 ? 0 : h.numel() / dim;
        if (rows != targets.length)
            throw ShapeException.of("linear_cross_entropy", "one target per row of h; got " + targets.length + " targets", h.shape());
        valid = SoftmaxCrossEntropyFn.countValid(targets, ignoreIndex, vocab);
        boolean f32 = h.dtype() == DType.F32;
        if (f32) {
            buf = ScratchPool.take(rows, vocab);
            Gemm.sgemm(false, true, rows, vocab, dim, 1f, h.storage().f, h.offset(), dim, w.storage().f, w.offset(), dim, 0f,
                    buf.storage().f, 0, vocab);
        } else {
            buf = Ops.matmul(h.reshape(rows, dim), w.transpose(0, 1)).contiguous();
        }
        if (f32) invSumF = new float[rows];
        else invSum = new double[rows];
        double[] rowLoss = new double[rows];
        Parallel.forRange(rows, Rows.minRows(vocab), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                if (targets[r] == ignoreIndex) continue;
                if (f32) { // exps in place of the logits
                    float[] l = buf.storage().f;
                    float target = l[r * vocab + targets[r]];
                    rowLoss[r] = SoftmaxCrossEntropyFn.logSumExp(l, r * vocab, vocab, l, r * vocab, invSumF, r) - target;
                } else {
                    rowLoss[r] = expsInPlace(buf.storage().d, buf.offset() + r * vocab, vocab, r);
                }
            }
        });
        double total = 0;
        for (double x : rowLoss) total += x; // row order: the same on any thread count
        if (!needs(0) && !needs(1)) release();
        return Tensor.scalar(valid == 0 ? 0 : total / valid, h.dtype());
    }

    /** F64 row at {@code at}: logits to e^{x − max} in place, 1/Σ kept; returns lse − x[target]. */
    private double expsInPlace(double[] l, int at, int n, int r) {
        double m = Double.NEGATIVE_INFINITY, sum = 0, target = l[at + targets[r]];
        for (int i = 0; i < n; i++) m = Math.max(m, l[at + i]);
        for (int i = 0; i < n; i++) sum += l[at + i] = Math.exp(l[at + i] - m);
        invSum[r] = 1 / sum;
        return m + Math.log(sum) - target;
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        if (buf == null) throw new IllegalStateException("linear_cross_entropy: a second backward through the same loss; its buffer "
                + "was already reused (run forward again)");
        double coef = valid == 0 ? 0 : g.item() / valid;
        Tensor gh = null, gw = null;
        if (h.dtype() == DType.F32) {
            // dL = diag(s)·E − coef·onehot with E the exps and s = coef/Σ: the row scale and the one-hot term are
            // applied to the GEMMs' small operands and results instead of in a pass over the [rows, V] buffer
            float[] l = buf.storage().f, s = new float[rows];
            for (int r = 0; r < rows; r++) {
                if (targets[r] == ignoreIndex) java.util.Arrays.fill(l, r * vocab, (r + 1) * vocab, 0f); // logits, not exps
                else s[r] = (float) coef * invSumF[r];
            }
            if (needs(0)) gh = inputGradF32(l, s, (float) coef);
            if (needs(1)) gw = weightGradF32(l, s, (float) coef);
        } else {
            Parallel.forRange(rows, Rows.minRows(vocab), (r0, r1) -> {
                double[] l = buf.storage().d;
                for (int r = r0; r < r1; r++) {
                    int at = buf.offset() + r * vocab;
                    boolean ignored = targets[r] == ignoreIndex; // an ignored row still holds logits: no gradient
                    double sc = ignored ? 0 : coef * invSum[r];
                    for (int i = 0; i < vocab; i++) l[at + i] *= sc;
                    if (!ignored) l[at + targets[r]] -= coef;
                }
            });
            if (needs(0)) gh = Ops.matmul(buf, w).reshape(h.shape());
            if (needs(1)) gw = Ops.matmul(buf.transpose(0, 1), h.reshape(rows, dim));
        }
        release();
        return new Tensor[] {gh, gw};
    }

    /**
     * dh [rows, C] = diag(s)·(E · W) − coef·W[targets], with E · W computed as (Wᵀ · Eᵀ)ᵀ: with K = V = 32,000 the
     * direct product ran at about half numpy/OpenBLAS's speed, the transposed one close to it (2 threads,
     * interleaved runs: 287-317 against 446-460 ms; numpy 250-290 ms). Scale and one-hot term go in with the transpose.
     */
    private Tensor inputGradF32(float[] e, float[] s, float coef) {
        Tensor ghT = ScratchPool.take(dim, rows);
        float[] t = ghT.storage().f, wf = w.storage().f;
        Gemm.sgemm(true, true, dim, rows, vocab, 1f, wf, w.offset(), dim, e, 0, vocab, 0f, t, 0, rows);
        Tensor gh = Tensor.zeros(DType.F32, h.shape());
        float[] out = gh.storage().f;
        Parallel.forRange(rows, 64, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                boolean ignored = targets[r] == ignoreIndex;
                int wo = w.offset() + (ignored ? 0 : targets[r]) * dim;
                for (int c = 0; c < dim; c++) out[r * dim + c] = ignored ? 0f : s[r] * t[c * rows + r] - coef * wf[wo + c];
            }
        });
        ScratchPool.give(ghT);
        return gh;
    }

    /**
     * dW [V, C] = Eᵀ · diag(s)·h − coef·Σ_r onehot(target_r) ⊗ h[r], the product computed as its transpose
     * (s∘h)ᵀ · E [C, V] and then transposed: packing reads E along its rows instead of down its 32,000 columns
     * (430 against 516 ms for this GEMM in an in-process A/B on 2 threads). The one-hot term is added per row, in
     * row order.
     */
    private Tensor weightGradF32(float[] e, float[] s, float coef) {
        Tensor scaled = ScratchPool.take(rows, dim);
        float[] hs = scaled.storage().f, hf = h.storage().f;
        for (int r = 0; r < rows; r++) VecMath.scaleInto(s[r], hf, h.offset() + r * dim, hs, r * dim, dim);
        Tensor gwT = ScratchPool.take(dim, vocab);
        Gemm.sgemm(true, false, dim, vocab, rows, 1f, hs, 0, dim, e, 0, vocab, 0f, gwT.storage().f, 0, vocab);
        ScratchPool.give(scaled);
        Tensor gw = Tensor.zeros(DType.F32, vocab, dim);
        float[] out = gw.storage().f;
        transpose(gwT.storage().f, dim, vocab, out);
        ScratchPool.give(gwT);
        for (int r = 0; r < rows; r++)
            if (targets[r] != ignoreIndex) VecMath.axpy(-coef, hf, h.offset() + r * dim, out, targets[r] * dim, dim);
        return gw;
    }

    /** dst [c, r] = srcᵀ for src [r, c], in 64 x 64 tiles, column tiles in parallel (each writes its own rows). */
    private static void transpose(float[] src, int r, int c, float[] dst) {
        int tile = 64;
        Parallel.forRange((c + tile - 1) / tile, 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++)
                for (int j0 = b * tile, j1 = Math.min(c, j0 + tile), i0 = 0; i0 < r; i0 += tile)
                    for (int i = i0; i < Math.min(r, i0 + tile); i++)
                        for (int j = j0; j < j1; j++) dst[j * r + i] = src[i * c + j];
        });
    }

    private void release() {
        ScratchPool.give(buf);
        buf = null;
    }
}
