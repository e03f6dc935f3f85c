package io.moe4j.nn.functions;

import io.moe4j.autograd.Function;
import io.moe4j.autograd.Var;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Tensor;

/**
 * A bias-free linear layer y = x · Wᵀ with W stored [out, in], as every LLaMA weight is.
 *
 * <p>Forward hands the backend the transposed view of W, which the CPU GEMM takes as transB without
 * copying. Why a Function rather than {@code x.matmul(w.transpose(0, 1))}: through the generic
 * MatMul and Permute the weight gradient arrives as the transposed view of an [in, out] matrix and
 * is copied again to land in the [out, in] gradient buffer; here dW = gᵀ · x is produced directly
 * as [out, in] by one GEMM on transposed views (the batch folded into the rows). dx = g · W.
 */
public final class LinearFn extends Function {
    private Tensor x, w;

    /** x [..., in], w [out, in] -> [..., out]. */
    public static Var apply(Var x, Var w) {
        return Function.apply(new LinearFn(), x, w);
    }

    @Override
    protected Tensor forward(Tensor... in) {
        x = in[0];
        w = in[1];
        if (w.rank() != 2 || x.rank() < 1 || x.size(-1) != w.size(1))
            throw ShapeException.of("linear", "x [..., in] needs weight [out, in]", x.shape(), w.shape());
        return Ops.matmul(x, w.transpose(0, 1));
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor gx = null, gw = null;
        if (needs(0)) gx = Ops.matmul(g, w);
        if (needs(1)) {
            int out = w.size(0), in = w.size(1);
            Tensor g2 = g.reshape(-1, out), x2 = x.reshape(-1, in);
            gw = Ops.matmul(g2.transpose(0, 1), x2);
        }
        return new Tensor[] {fresh(gx), fresh(gw)};
    }
}
