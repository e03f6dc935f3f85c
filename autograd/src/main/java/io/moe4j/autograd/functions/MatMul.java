package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.Tensor;

/**
 * y = a @ b over [..., M, K] x [..., K, N]. dA = dY @ Bᵀ and dB = Aᵀ @ dY, using transposed views
 * (no copies). A batched A times a 2-D B (a Linear layer) folds the batch: dB = A₂ᵀ @ dY₂ with
 * A₂ = A as (rows, K), one GEMM instead of a batch and a sum.
 */
public final class MatMul extends Function {
    private Tensor a, b;

    @Override
    protected Tensor forward(Tensor... in) {
        a = in[0];
        b = in[1];
        return Ops.matmul(a, b);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor ga = null, gb = null;
        if (needs(0)) ga = Ops.sumTo(Ops.matmul(g, b.transpose(-1, -2)), a.shape());
        if (needs(1)) {
            int k = a.size(-1), n = b.size(-1);
            if (b.rank() == 2) {
                Tensor a2 = a.reshape(-1, k), g2 = g.reshape(-1, n);
                gb = Ops.matmul(a2.transpose(0, 1), g2);
            } else {
                Tensor full = Ops.matmul(a.transpose(-1, -2), g);
                gb = Ops.sumTo(full, b.shape());
            }
        }
        if (ga != null && !java.util.Arrays.equals(ga.shape(), a.shape()))
            throw io.moe4j.tensor.ShapeException.of("matmul backward", "bad gradient shape", ga.shape(), a.shape());
        return new Tensor[] {ga, gb};
    }

}
