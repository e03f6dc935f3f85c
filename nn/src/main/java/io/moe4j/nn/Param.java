package io.moe4j.nn;

import io.moe4j.autograd.Var;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Tensor;

/**
 * A parameter slot of a {@link Module}. Layers keep the slot, never the Var inside it, and read
 * {@link #var()} at every forward: a {@link ParameterBuffer} rebinds the slot to a view of its flat
 * buffer, and a gradient check rebinds it to its own float64 inputs, without the layer noticing.
 */
public final class Param {
    private final String name;
    private Var var;

    Param(String name, Tensor init) {
        if (!init.dtype().isFloating())
            throw new IllegalArgumentException("parameter '" + name + "' must be F32 or F64, got " + init.dtype());
        this.name = name;
        this.var = Var.param(init.contiguous());
    }

    /** The local name inside its module (e.g. {@code weight}). */
    public String name() {
        return name;
    }

    /** The Var to use in the forward pass (a leaf that requires grad). */
    public Var var() {
        return var;
    }

    /** The current values, a contiguous tensor. */
    public Tensor data() {
        return var.data();
    }

    public int[] shape() {
        return var.data().shape();
    }

    /** Replaces the Var; the shape must not change. */
    void bind(Var v) {
        if (!v.data().sameShape(var.data()))
            throw ShapeException.of("bind parameter " + name, "new value must keep the shape", v.shape(), var.shape());
        var = v;
    }
}
