package io.moe4j.nn;

import io.moe4j.autograd.Var;
import io.moe4j.nn.functions.RmsNormFn;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;

/** RMSNorm over the last axis with a learned scale w [C] (initialised to ones). */
public final class RMSNorm extends Module {
    private final int dim;
    private final double eps;
    private final Param weight;

    public RMSNorm(int dim, double eps, DType dtype) {
        if (dim <= 0) throw new IllegalArgumentException("RMSNorm: dim must be > 0, got " + dim);
        if (!(eps > 0)) throw new IllegalArgumentException("RMSNorm: eps must be > 0, got " + eps);
        this.dim = dim;
        this.eps = eps;
        weight = addParam("weight", Tensor.full(dtype, 1.0, dim));
    }

    public int dim() { return dim; }
    public double eps() { return eps; }
    public Param weight() { return weight; }

    /** x [..., C] -> [..., C]. */
    public Var forward(Var x) {
        return RmsNormFn.apply(x, weight.var(), eps);
    }

    /** Decode path: out[0..C) = rmsnorm(x[0..C)); out may be x. */
    public void forwardToken(float[] x, float[] out) {
        Tensor w = Linear.f32(weight, "RMSNorm");
        float[] wf = w.storage().f;
        int wo = w.offset();
        double ss = 0;
        for (int i = 0; i < dim; i++) ss += x[i] * x[i];
        float r = (float) (1.0 / Math.sqrt(ss / dim + eps));
        for (int i = 0; i < dim; i++) out[i] = wf[wo + i] * (r * x[i]);
    }
}
