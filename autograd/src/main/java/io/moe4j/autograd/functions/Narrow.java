package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.Backends;
import io.moe4j.tensor.Tensor;

/** A slice [start, start+length) along an axis; the gradient is zero outside the slice. */
public final class Narrow extends Function {
    private final int axis, start, length;
    private Tensor x;

    public Narrow(int axis, int start, int length) {
        this.axis = axis;
        this.start = start;
        this.length = length;
    }

    @Override
    protected Tensor forward(Tensor... in) {
        x = in[0];
        return x.narrow(axis, start, length);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor gx = Tensor.zeros(g.dtype(), x.shape());
        Backends.current().copyInto(gx.narrow(axis, start, length), g);
        return new Tensor[] {gx};
    }
}
