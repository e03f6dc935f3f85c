package io.moe4j.nn;

import io.moe4j.autograd.Var;
import io.moe4j.nn.functions.LinearFn;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;

/**
 * y = x · Wᵀ (+ b) with W [out, in], the layout of every LLaMA weight. No bias by default: LLaMA
 * and the LLaMA-MoE gates have none. The training path is {@link LinearFn} (W used through a
 * transposed view, no copy); the decode path is a {@link MatVec} over W's rows.
 */
public final class Linear extends Module {
    private final int in, out;
    private final Param weight, bias;

    /** Bias-free, weights zero (fill them with a state dict or {@link LlamaModel#initRandom}). */
    public Linear(int in, int out, DType dtype) {
        this(in, out, dtype, false);
    }

    public Linear(int in, int out, DType dtype, boolean withBias) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear: sizes must be > 0, got in=" + in + " out=" + out);
        this.in = in;
        this.out = out;
        weight = addParam("weight", Tensor.zeros(dtype, out, in));
        bias = withBias ? addParam("bias", Tensor.zeros(dtype, out)) : null;
    }

    public int in() { return in; }
    public int out() { return out; }
    public Param weight() { return weight; }

    /** Null when the layer has no bias. */
    public Param bias() { return bias; }

    /** x [..., in] -> [..., out]. */
    public Var forward(Var x) {
        Var y = LinearFn.apply(x, weight.var());
        return bias == null ? y : y.add(bias.var());
    }

    /** Decode path: y[yOff..yOff+out) = W · x[xOff..xOff+in) (+ b). F32 weights only. */
    public void forwardToken(float[] x, int xOff, float[] y, int yOff, MatVec mv) {
        Tensor w = f32(weight, "Linear");
        mv.apply(w.storage().f, w.offset(), out, in, x, xOff, y, yOff);
        if (bias != null) {
            Tensor b = f32(bias, "Linear");
            for (int r = 0; r < out; r++) y[yOff + r] += b.storage().f[b.offset() + r];
        }
    }

    /** The parameter's data, which the decode path reads as one float[] run. */
    static Tensor f32(Param p, String layer) {
        Tensor t = p.data();
        if (t.dtype() != DType.F32 || !t.isContiguous())
            throw new IllegalStateException(layer + ": the decode path needs contiguous F32 weights, '" + p.name() + "' is " + t.dtype());
        return t;
    }
}
