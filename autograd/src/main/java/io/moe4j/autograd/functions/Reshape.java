package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.Tensor;

/** A new shape with the same elements; the gradient is reshaped back. */
public final class Reshape extends Function {
    private final int[] shape;
    private int[] inShape;

    public Reshape(int... shape) {
        this.shape = shape.clone();
    }

    @Override
    protected Tensor forward(Tensor... in) {
        inShape = in[0].shape();
        return in[0].reshape(shape);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        return new Tensor[] {g.reshape(inShape)};
    }
}
