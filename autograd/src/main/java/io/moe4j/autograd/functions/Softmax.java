package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.Tensor;
import java.util.List;

/**
 * Softmax or log-softmax along an axis. softmax: dx = y ⊙ (g − Σ g⊙y);
 * log-softmax: dx = g − exp(y) ⊙ Σ g.
 */
public final class Softmax extends Function {
    private final int axis;
    private final boolean log;
    private Tensor y;

    public Softmax(int axis, boolean log) {
        this.axis = axis;
        this.log = log;
    }

    public static List<String> keys() {
        return List.of("Softmax", "LogSoftmax");
    }

    @Override
    public String key() {
        return log ? "LogSoftmax" : "Softmax";
    }

    @Override
    protected Tensor forward(Tensor... in) {
        y = log ? Ops.logSoftmax(in[0], axis) : Ops.softmax(in[0], axis);
        return y;
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        if (log) return new Tensor[] {Ops.sub(g, Ops.mul(Ops.exp(y), Ops.sum(g, axis, true)))};
        return new Tensor[] {Ops.mul(y, Ops.sub(g, Ops.sum(Ops.mul(g, y), axis, true)))};
    }
}
