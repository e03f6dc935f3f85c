package io.moe4j.autograd;

import io.moe4j.autograd.functions.*;
import io.moe4j.tensor.*;
import java.util.List;

/**
 * A tensor on the tape: its data, the Function that made it (null for leaves) and, for leaves
 * that require grad, the accumulated gradient. Parameters usually get their gradient tensor
 * up front as a view into one flat gradient buffer ({@link #setGradBuffer}); backward then
 * adds into that buffer in place.
 */
public final class Var {
    private final Tensor data;
    final Function creator;
    private final boolean requiresGrad;
    private boolean retainGrad;
    private Tensor grad;
    private boolean gradIsBuffer;

    Var(Tensor data, Function creator) {
        this.data = data;
        this.creator = creator;
        this.requiresGrad = true;
    }

    private Var(Tensor data, boolean requiresGrad) {
        this.data = data;
        this.creator = null;
        this.requiresGrad = requiresGrad;
    }

    /** A leaf that needs a gradient (a parameter or a grad-check input). */
    public static Var param(Tensor t) {
        return new Var(t, true);
    }

    /** A leaf with no gradient (inputs, indices, masks). */
    public static Var constant(Tensor t) {
        return new Var(t, false);
    }

    public Tensor data() { return data; }
    public boolean requiresGrad() { return requiresGrad; }
    public int[] shape() { return data.shape(); }
    public DType dtype() { return data.dtype(); }

    /** The accumulated gradient, or null before any backward reached this Var. */
    public Tensor grad() { return grad; }

    /** Keeps the gradient of an intermediate value (e.g. the FFN activation h for importance scores). */
    public Var retainGrad() {
        retainGrad = true;
        return this;
    }

    boolean retainsGrad() { return retainGrad; }

    /** Makes {@code buffer} (same shape) the gradient storage; backward adds into it in place. */
    public void setGradBuffer(Tensor buffer) {
        if (!data.sameShape(buffer)) throw ShapeException.of("setGradBuffer", "buffer must match the data", buffer.shape(), data.shape());
        grad = buffer;
        gradIsBuffer = true;
    }

    /** Forgets the gradient; a gradient buffer is kept but not cleared (the owner zeroes the flat buffer). */
    public void clearGrad() {
        if (!gradIsBuffer) grad = null;
    }

    /** Adds g into the gradient; with {@code adopt} (g is the engine's, referenced nowhere else) the first g is kept, not copied. */
    void accumulateGrad(Tensor g, boolean adopt) {
        if (grad == null) grad = adopt ? g : Ops.copy(g);
        else Backends.current().accumulate(grad, g);
    }

    /** Backward from a scalar (one-element) output with seed 1. */
    public void backward() {
        if (data.numel() != 1) throw ShapeException.of("backward", "needs a one-element output or an explicit seed", data.shape());
        backward(Tensor.full(data.dtype(), 1.0, data.shape()));
    }

    public void backward(Tensor seed) {
        Grad.backward(this, seed);
    }

    /**
     * One backward pass from several outputs, output i seeded with {@code seeds.get(i)}: the gradient of
     * Σ_i ⟨seed_i, output_i⟩, with every shared node (an MoE router feeding both the layer output and its balance
     * loss) run once.
     */
    public static void backward(List<Var> outputs, List<Tensor> seeds) {
        Grad.backward(outputs, seeds);
    }

    /** Same data, cut from the graph. */
    public Var detach() {
        return constant(data);
    }

    // ---------------------------------------------------------------- element-wise
    public Var binary(BinaryOp op, Var o) { return Function.apply(new Binary(op), this, o); }
    public Var add(Var o) { return Function.apply(new Binary(BinaryOp.ADD), this, o); }
    public Var sub(Var o) { return Function.apply(new Binary(BinaryOp.SUB), this, o); }
    public Var mul(Var o) { return Function.apply(new Binary(BinaryOp.MUL), this, o); }
    public Var div(Var o) { return Function.apply(new Binary(BinaryOp.DIV), this, o); }
    public Var maximum(Var o) { return Function.apply(new Binary(BinaryOp.MAX), this, o); }
    public Var pow(Var o) { return Function.apply(new Binary(BinaryOp.POW), this, o); }
    public Var unary(UnaryOp op) { return Function.apply(new Unary(op), this); }
    public Var neg() { return unary(UnaryOp.NEG); }
    public Var exp() { return unary(UnaryOp.EXP); }
    public Var log() { return unary(UnaryOp.LOG); }
    public Var sqrt() { return unary(UnaryOp.SQRT); }
    public Var square() { return unary(UnaryOp.SQUARE); }
    public Var tanh() { return unary(UnaryOp.TANH); }
    public Var sigmoid() { return unary(UnaryOp.SIGMOID); }
    public Var silu() { return unary(UnaryOp.SILU); }
    public Var relu() { return unary(UnaryOp.RELU); }
    public Var softplus() { return unary(UnaryOp.SOFTPLUS); }
    /** this * scale + shift */
    public Var affine(double scale, double shift) { return Function.apply(new Affine(scale, shift), this); }
    public Var scale(double s) { return affine(s, 0); }
    /** cond != 0 ? this : other */
    public Var where(Tensor cond, Var other) { return Function.apply(new Where(cond), this, other); }

    // ---------------------------------------------------------------- reductions and products
    public Var sum(int axis, boolean keepDims) { return Function.apply(new Reduce(ReduceOp.SUM, axis, keepDims), this); }
    public Var mean(int axis, boolean keepDims) { return Function.apply(new Reduce(ReduceOp.MEAN, axis, keepDims), this); }
    public Var max(int axis, boolean keepDims) { return Function.apply(new Reduce(ReduceOp.MAX, axis, keepDims), this); }
    public Var min(int axis, boolean keepDims) { return Function.apply(new Reduce(ReduceOp.MIN, axis, keepDims), this); }
    public Var sumAll() { return reshape(data.numel()).sum(0, false); }
    public Var meanAll() { return reshape(data.numel()).mean(0, false); }
    public Var matmul(Var o) { return Function.apply(new MatMul(), this, o); }
    public Var softmax(int axis) { return Function.apply(new Softmax(axis, false), this); }
    public Var logSoftmax(int axis) { return Function.apply(new Softmax(axis, true), this); }

    // ---------------------------------------------------------------- shape
    public Var reshape(int... shape) { return Function.apply(new Reshape(shape), this); }
    public Var permute(int... perm) { return Function.apply(new Permute(perm), this); }
    public Var transpose(int a, int b) {
        int[] p = new int[data.rank()];
        for (int k = 0; k < p.length; k++) p[k] = k;
        a = Shape.axis("transpose", a, p.length);
        b = Shape.axis("transpose", b, p.length);
        p[a] = b;
        p[b] = a;
        return permute(p);
    }
    public Var narrow(int axis, int start, int length) { return Function.apply(new Narrow(axis, start, length), this); }
    public Var expand(int... shape) { return Function.apply(new Expand(shape), this); }
    public Var unsqueeze(int axis) { return reshape(data.unsqueeze(axis).shape()); }
    public Var squeeze(int axis) { return reshape(data.squeeze(axis).shape()); }
    public static Var concat(List<Var> parts, int axis) { return Function.apply(new Concat(axis), parts.toArray(new Var[0])); }

    // ---------------------------------------------------------------- indexing
    public Var gather(int axis, Tensor index) { return Function.apply(new Gather(axis, index), this); }
    public Var indexSelect(int axis, Tensor index) { return Function.apply(new IndexSelect(axis, index), this); }
    /** A copy of this with src's slices added at index along axis. */
    public Var indexAdd(int axis, Tensor index, Var src) { return Function.apply(new IndexAdd(axis, index), this, src); }

    @Override
    public String toString() {
        return "Var(" + data + (requiresGrad ? ", requiresGrad" : "") + ")";
    }
}
