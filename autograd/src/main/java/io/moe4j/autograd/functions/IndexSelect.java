package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.Tensor;

/** Slices chosen by a 1-D index (an embedding lookup when axis is 0); the gradient index-adds back. */
public final class IndexSelect extends Function {
    private final int axis;
    private final Tensor index;
    private int[] inShape;

    public IndexSelect(int axis, Tensor index) {
        this.axis = axis;
        this.index = index;
    }

    @Override
    protected Tensor forward(Tensor... in) {
        inShape = in[0].shape();
        return Ops.indexSelect(in[0], axis, index);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        return new Tensor[] {Ops.indexAdd(Tensor.zeros(g.dtype(), inShape), axis, index, g)};
    }
}
