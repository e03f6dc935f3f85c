package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.Tensor;

/**
 * out = self with src's slices added at index along axis (the combine step of MoE dispatch).
 * d self = g; d src = g's slices at index.
 */
public final class IndexAdd extends Function {
    private final int axis;
    private final Tensor index;

    public IndexAdd(int axis, Tensor index) {
        this.axis = axis;
        this.index = index;
    }

    @Override
    protected Tensor forward(Tensor... in) {
        return Ops.indexAdd(in[0], axis, index, in[1]);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        return new Tensor[] {g, needs(1) ? Ops.indexSelect(g, axis, index) : null};
    }
}
