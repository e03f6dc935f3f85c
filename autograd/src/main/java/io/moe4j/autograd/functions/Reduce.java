package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.*;
import java.util.List;

/** Sum, mean, max or min along one axis. Max/min share the gradient evenly among tied maxima. */
public final class Reduce extends Function {
    private final ReduceOp op;
    private final int axis;
    private final boolean keepDims;
    private Tensor x, y;
    private int ax;

    public Reduce(ReduceOp op, int axis, boolean keepDims) {
        this.op = op;
        this.axis = axis;
        this.keepDims = keepDims;
    }

    public static List<String> keys() {
        return List.of("Reduce:SUM", "Reduce:MEAN", "Reduce:MAX", "Reduce:MIN");
    }

    @Override
    public String key() {
        return "Reduce:" + op;
    }

    @Override
    protected Tensor forward(Tensor... in) {
        x = in[0];
        ax = Shape.axis("reduce", axis, x.rank());
        y = Backends.current().reduce(op, x, ax, true);
        return keepDims ? y : y.squeeze(ax);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor gk = keepDims ? g : g.unsqueeze(ax); // gradient with the reduced axis kept as size 1
        Tensor gx = switch (op) {
            case SUM -> Ops.copy(gk.expand(x.shape()));
            case MEAN -> Ops.scale(gk.expand(x.shape()), 1.0 / x.size(ax));
            case MAX, MIN -> {
                Tensor mask = Ops.binary(BinaryOp.EQ, x, y); // 1 where x attains the extreme
                Tensor count = Ops.sum(mask, ax, true);
                yield Ops.mul(mask, Ops.div(gk, count));
            }
        };
        return new Tensor[] {gx};
    }
}
