package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.Tensor;

/** torch.gather along an axis with a constant I32 index; the gradient scatter-adds back. */
public final class Gather extends Function {
    private final int axis;
    private final Tensor index;
    private Tensor x;

    public Gather(int axis, Tensor index) {
        this.axis = axis;
        this.index = index;
    }

    @Override
    protected Tensor forward(Tensor... in) {
        x = in[0];
        return Ops.gather(x, axis, index);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        return new Tensor[] {Ops.scatterAdd(Tensor.zeros(g.dtype(), x.shape()), axis, index, g)};
    }
}
