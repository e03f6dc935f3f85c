package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.Tensor;

/** y = cond ? a : b with a constant mask; the gradient flows to whichever side was chosen. */
public final class Where extends Function {
    private final Tensor cond;
    private int[] aShape, bShape;

    public Where(Tensor cond) {
        this.cond = cond;
    }

    @Override
    protected Tensor forward(Tensor... in) {
        aShape = in[0].shape();
        bShape = in[1].shape();
        return Ops.where(cond, in[0], in[1]);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor zero = Tensor.scalar(0, g.dtype());
        Tensor ga = Ops.where(cond, g, zero), gb = Ops.where(cond, zero, g);
        return new Tensor[] {
            Ops.sumTo(ga.expand(Shape.broadcast("grad", ga.shape(), aShape)), aShape),
            Ops.sumTo(gb.expand(Shape.broadcast("grad", gb.shape(), bShape)), bShape)
        };
    }
}
