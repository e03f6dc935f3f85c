package io.moe4j.tensor;

import java.util.List;

/**
 * Static entry points that forward to {@link Backends#current()}, plus scalar conveniences.
 * Autograd's backward formulas are written with these, so every backend inherits them.
 */
public final class Ops {
    private Ops() {}

    private static Backend be() {
        return Backends.current();
    }

    public static Tensor unary(UnaryOp op, Tensor a) { return be().unary(op, a); }
    public static Tensor binary(BinaryOp op, Tensor a, Tensor b) { return be().binary(op, a, b); }

    public static Tensor add(Tensor a, Tensor b) { return be().binary(BinaryOp.ADD, a, b); }
    public static Tensor sub(Tensor a, Tensor b) { return be().binary(BinaryOp.SUB, a, b); }
    public static Tensor mul(Tensor a, Tensor b) { return be().binary(BinaryOp.MUL, a, b); }
    public static Tensor div(Tensor a, Tensor b) { return be().binary(BinaryOp.DIV, a, b); }
    public static Tensor neg(Tensor a) { return be().unary(UnaryOp.NEG, a); }
    public static Tensor exp(Tensor a) { return be().unary(UnaryOp.EXP, a); }
    public static Tensor log(Tensor a) { return be().unary(UnaryOp.LOG, a); }
    public static Tensor square(Tensor a) { return be().unary(UnaryOp.SQUARE, a); }

    /** a * s */
    public static Tensor scale(Tensor a, double s) { return be().affine(a, s, 0); }

    /** a * s + t */
    public static Tensor affine(Tensor a, double s, double t) { return be().affine(a, s, t); }

    /** a + s */
    public static Tensor shift(Tensor a, double s) { return be().affine(a, 1, s); }

    public static Tensor where(Tensor c, Tensor a, Tensor b) { return be().where(c, a, b); }

    public static Tensor sum(Tensor a, int axis, boolean keepDims) { return be().reduce(ReduceOp.SUM, a, axis, keepDims); }
    public static Tensor mean(Tensor a, int axis, boolean keepDims) { return be().reduce(ReduceOp.MEAN, a, axis, keepDims); }
    public static Tensor max(Tensor a, int axis, boolean keepDims) { return be().reduce(ReduceOp.MAX, a, axis, keepDims); }
    public static Tensor argmax(Tensor a, int axis, boolean keepDims) { return be().argmax(a, axis, keepDims); }

    /** Sum of all elements, as a rank-0 tensor. */
    public static Tensor sumAll(Tensor a) {
        Tensor flat = a.reshape(a.numel());
        return be().reduce(ReduceOp.SUM, flat, 0, false);
    }

    public static Tensor matmul(Tensor a, Tensor b) { return be().matmul(a, b); }
    public static Tensor softmax(Tensor a, int axis) { return be().softmax(a, axis); }
    public static Tensor logSoftmax(Tensor a, int axis) { return be().logSoftmax(a, axis); }
    public static Tensor gather(Tensor s, int axis, Tensor i) { return be().gather(s, axis, i); }
    public static Tensor scatterAdd(Tensor self, int axis, Tensor i, Tensor s) { return be().scatterAdd(self, axis, i, s); }
    public static Tensor indexSelect(Tensor s, int axis, Tensor i) { return be().indexSelect(s, axis, i); }
    public static Tensor indexAdd(Tensor self, int axis, Tensor i, Tensor s) { return be().indexAdd(self, axis, i, s); }
    public static Tensor concat(List<Tensor> parts, int axis) { return be().concat(parts, axis); }
    public static Tensor copy(Tensor a) { return be().copy(a); }

    /**
     * Sums a broadcast gradient back down to {@code shape}: the reverse of NumPy broadcasting,
     * used by the backward of every broadcasting op.
     */
    public static Tensor sumTo(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (java.util.Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        if (lead < 0) throw ShapeException.of("sumTo", "gradient has lower rank than the target", gs, shape);
        Tensor t = g;
        for (int k = 0; k < lead; k++) t = sum(t, 0, false);
        for (int k = 0; k < shape.length; k++)
            if (shape[k] == 1 && t.size(k) != 1) t = sum(t, k, true);
        if (!java.util.Arrays.equals(t.shape(), shape)) throw ShapeException.of("sumTo", "cannot reduce", gs, shape);
        return t;
    }
}
