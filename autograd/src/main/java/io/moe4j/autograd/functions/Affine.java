package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.Tensor;

/** y = x * scale + shift for constants scale and shift. */
public final class Affine extends Function {
    private final double scale, shift;

    public Affine(double scale, double shift) {
        this.scale = scale;
        this.shift = shift;
    }

    @Override
    protected Tensor forward(Tensor... in) {
        return Ops.affine(in[0], scale, shift);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        return new Tensor[] {Ops.scale(g, scale)};
    }
}
