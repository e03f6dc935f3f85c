package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.Tensor;

/** Broadcast view; the gradient sums over the broadcast axes. */
public final class Expand extends Function {
    private final int[] shape;
    private int[] inShape;

    public Expand(int... shape) {
        this.shape = shape.clone();
    }

    @Override
    protected Tensor forward(Tensor... in) {
        inShape = in[0].shape();
        return in[0].expand(shape);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        return new Tensor[] {Ops.sumTo(g, inShape)};
    }
}
