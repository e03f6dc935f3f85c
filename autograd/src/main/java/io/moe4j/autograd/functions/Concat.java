package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.Tensor;
import java.util.Arrays;

/** Concatenation along an axis; each input's gradient is its slice of the output gradient. */
public final class Concat extends Function {
    private final int axis;
    private int[] sizes;

    public Concat(int axis) {
        this.axis = axis;
    }

    @Override
    protected Tensor forward(Tensor... in) {
        sizes = new int[in.length];
        for (int k = 0; k < in.length; k++) sizes[k] = in[k].size(axis);
        return Ops.concat(Arrays.asList(in), axis);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        return g.split(axis, sizes);
    }
}
