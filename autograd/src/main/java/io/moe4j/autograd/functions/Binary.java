package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.*;
import java.util.List;

/** y = a op b with broadcasting; each gradient is summed back to its input's shape. */
public final class Binary extends Function {
    private final BinaryOp op;
    private Tensor a, b, y;

    public Binary(BinaryOp op) {
        if (op.ordinal() > BinaryOp.POW.ordinal()) throw new IllegalArgumentException(op + " is a comparison and has no gradient");
        this.op = op;
    }

    public static List<String> keys() {
        return List.of("Binary:ADD", "Binary:SUB", "Binary:MUL", "Binary:DIV", "Binary:MAX", "Binary:MIN", "Binary:POW");
    }

    @Override
    public String key() {
        return "Binary:" + op;
    }

    @Override
    protected Tensor forward(Tensor... in) {
        a = in[0];
        b = in[1];
        y = Ops.binary(op, a, b);
        return y;
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor ga = null, gb = null;
        switch (op) {
            case ADD -> { ga = g; gb = g; }
            case SUB -> { ga = g; gb = Ops.neg(g); }
            case MUL -> { ga = needs(0) ? Ops.mul(g, b) : null; gb = needs(1) ? Ops.mul(g, a) : null; }
            case DIV -> {
                ga = Ops.div(g, b);
                gb = needs(1) ? Ops.neg(Ops.div(Ops.mul(ga, a), b)) : null; // -g*a/b^2
            }
            case MAX, MIN -> { // the larger (smaller) input takes the gradient; ties go to a
                Tensor pickA = Ops.binary(op == BinaryOp.MAX ? BinaryOp.GE : BinaryOp.LE, a, b);
                Tensor zero = Tensor.scalar(0, g.dtype());
                ga = Ops.where(pickA, g, zero);
                gb = Ops.where(pickA, zero, g);
            }
            case POW -> {
                ga = needs(0) ? Ops.mul(g, Ops.mul(b, Ops.binary(BinaryOp.POW, a, Ops.shift(b, -1)))) : null;
                gb = needs(1) ? Ops.mul(g, Ops.mul(y, Ops.log(a))) : null;
            }
            default -> throw new IllegalStateException(op.name());
        }
        return new Tensor[] {
            needs(0) && ga != null ? Ops.sumTo(ga.expand(Shape.broadcast("grad", ga.shape(), a.shape())), a.shape()) : null,
            needs(1) && gb != null ? Ops.sumTo(gb.expand(Shape.broadcast("grad", gb.shape(), b.shape())), b.shape()) : null
        };
    }
}
