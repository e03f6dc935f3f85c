package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.*;
import java.util.ArrayList;
import java.util.List;

/** y = op(x) for a differentiable {@link UnaryOp}; the derivative is composed from primitives. */
public final class Unary extends Function {
    private final UnaryOp op;
    private Tensor x, y;

    public Unary(UnaryOp op) {
        if (op == UnaryOp.SIGN) throw new IllegalArgumentException("sign has no useful gradient; use it on data, not on a Var");
        this.op = op;
    }

    /** The variants the gradient-check coverage test must see. */
    public static List<String> keys() {
        List<String> k = new ArrayList<>();
        for (UnaryOp o : UnaryOp.values()) if (o != UnaryOp.SIGN) k.add("Unary:" + o);
        return k;
    }

    @Override
    public String key() {
        return "Unary:" + op;
    }

    @Override
    protected Tensor forward(Tensor... in) {
        x = in[0];
        y = Ops.unary(op, x);
        return y;
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        return new Tensor[] {Ops.mul(g, derivative())};
    }

    /** dy/dx element-wise. */
    private Tensor derivative() {
        return switch (op) {
            case NEG -> Tensor.full(x.dtype(), -1, x.shape());
            case EXP -> y;
            case LOG, RECIP -> op == UnaryOp.LOG ? Ops.unary(UnaryOp.RECIP, x) : Ops.neg(Ops.square(y));
            case SQRT -> Ops.scale(Ops.unary(UnaryOp.RECIP, y), 0.5);
            case RSQRT -> Ops.scale(Ops.mul(y, Ops.unary(UnaryOp.RECIP, x)), -0.5);
            case SQUARE -> Ops.scale(x, 2);
            case ABS -> Ops.unary(UnaryOp.SIGN, x);
            case TANH -> Ops.affine(Ops.square(y), -1, 1);
            case SIGMOID -> Ops.mul(y, Ops.affine(y, -1, 1));
            case SILU -> {
                Tensor s = Ops.unary(UnaryOp.SIGMOID, x); // s + x*s*(1-s)
                yield Ops.add(s, Ops.mul(Ops.mul(x, s), Ops.affine(s, -1, 1)));
            }
            case RELU -> Ops.binary(BinaryOp.GT, x, Tensor.scalar(0, x.dtype()));
            case SOFTPLUS -> Ops.unary(UnaryOp.SIGMOID, x);
            case SIN -> Ops.unary(UnaryOp.COS, x);
            case COS -> Ops.neg(Ops.unary(UnaryOp.SIN, x));
            case SIGN -> throw new IllegalStateException();
        };
    }
}
