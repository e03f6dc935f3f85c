package io.moe4j.tensor;

import java.util.List;

/**
 * The oracle: plain loops over strided views, computed in double and stored in the operands'
 * dtype. Written for clarity, not speed; every other backend is tested against it.
 */
public class ReferenceBackend implements Backend {

    @Override
    public String name() {
        return "reference";
    }

    // ---------------------------------------------------------------- element-wise

    @Override
    public Tensor unary(UnaryOp op, Tensor a) {
        Checks.floating(op.name().toLowerCase(), a);
        Tensor out = Tensor.zeros(a.dtype(), a.shape());
        int[] oa = Strided.offsets(a);
        Storage sa = a.storage(), so = out.storage();
        for (int e = 0; e < oa.length; e++) so.set(e, op.apply(sa.get(oa[e])));
        return out;
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        Checks.sameDType(name, a, b);
        Checks.floating(name, a);
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        int[] oa = Strided.offsets(a.expand(shape)), ob = Strided.offsets(b.expand(shape));
        Tensor out = Tensor.zeros(a.dtype(), shape);
        Storage sa = a.storage(), sb = b.storage(), so = out.storage();
        for (int e = 0; e < oa.length; e++) so.set(e, op.apply(sa.get(oa[e]), sb.get(ob[e])));
        return out;
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b) {
        Checks.sameDType("where", a, b);
        int[] shape = Shape.broadcast("where", cond.shape(), a.shape(), b.shape());
        int[] oc = Strided.offsets(cond.expand(shape)), oa = Strided.offsets(a.expand(shape)), ob = Strided.offsets(b.expand(shape));
        Tensor out = Tensor.zeros(a.dtype(), shape);
        for (int e = 0; e < oc.length; e++)
            out.storage().set(e, cond.storage().get(oc[e]) != 0 ? a.storage().get(oa[e]) : b.storage().get(ob[e]));
        return out;
    }

    @Override
    public Tensor affine(Tensor a, double scale, double shift) {
        Checks.floating("affine", a);
        Tensor out = Tensor.zeros(a.dtype(), a.shape());
        int[] oa = Strided.offsets(a);
        for (int e = 0; e < oa.length; e++) out.storage().set(e, a.storage().get(oa[e]) * scale + shift);
        return out;
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public Tensor reduce(ReduceOp op, Tensor a, int axis, boolean keepDims) {
        String name = "reduce " + op.name().toLowerCase();
        Checks.floating(name, a);
        int ax = Shape.axis(name, axis, a.rank());
        int n = a.size(ax);
        if (n == 0 && (op == ReduceOp.MAX || op == ReduceOp.MIN))
            throw ShapeException.of(name, "cannot take " + op + " over an empty axis " + ax, a.shape());
        Tensor outer = a.narrow(ax, 0, Math.min(n, 1)); // one element along axis per output
        int[] base = Strided.offsets(outer.shape(), a.strides(), a.offset());
        int step = a.strides()[ax];
        Tensor out = Tensor.zeros(a.dtype(), Shape.reduced(a.shape(), ax, true));
        for (int e = 0; e < base.length; e++) {
            double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : op == ReduceOp.MIN ? Double.POSITIVE_INFINITY : 0;
            for (int j = 0; j < n; j++) {
                double v = a.storage().get(base[e] + j * step);
                acc = switch (op) {
                    case SUM, MEAN -> acc + v;
                    case MAX -> Math.max(acc, v);
                    case MIN -> Math.min(acc, v);
                };
            }
            out.storage().set(e, op == ReduceOp.MEAN ? acc / n : acc);
        }
        return keepDims ? out : out.squeeze(ax);
    }

    @Override
    public Tensor argmax(Tensor a, int axis, boolean keepDims) {
        int ax = Shape.axis("argmax", axis, a.rank());
        int n = a.size(ax);
        if (n == 0) throw ShapeException.of("argmax", "empty axis " + ax, a.shape());
        Tensor outer = a.narrow(ax, 0, 1);
        int[] base = Strided.offsets(outer.shape(), a.strides(), a.offset());
        int step = a.strides()[ax];
        Tensor out = Tensor.zeros(DType.I32, outer.shape());
        for (int e = 0; e < base.length; e++) {
            int best = 0;
            double bv = a.storage().get(base[e]);
            for (int j = 1; j < n; j++) {
                double v = a.storage().get(base[e] + j * step);
                if (v > bv || (Double.isNaN(v) && !Double.isNaN(bv))) { bv = v; best = j; }
            }
            out.storage().set(e, best);
        }
        return keepDims ? out : out.squeeze(ax);
    }

    // ---------------------------------------------------------------- matmul

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        int[] outShape = Checks.matmulShape(a, b);
        int r = outShape.length;
        int m = outShape[r - 2], n = outShape[r - 1], k = a.size(-1);
        int[] batch = java.util.Arrays.copyOf(outShape, r - 2);
        Tensor ab = a.expand(concatShape(batch, m, k)), bb = b.expand(concatShape(batch, k, n));
        Tensor out = Tensor.zeros(a.dtype(), outShape);
        int batches = Shape.numel(batch);
        int[] aBase = Strided.offsets(batch, java.util.Arrays.copyOf(ab.strides(), r - 2), ab.offset());
        int[] bBase = Strided.offsets(batch, java.util.Arrays.copyOf(bb.strides(), r - 2), bb.offset());
        int[] as = ab.strides(), bs = bb.strides();
        for (int bi = 0; bi < batches; bi++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++)
                        acc += a.storage().get(aBase[bi] + i * as[r - 2] + p * as[r - 1])
                                * b.storage().get(bBase[bi] + p * bs[r - 2] + j * bs[r - 1]);
                    out.storage().set((bi * m + i) * n + j, acc);
                }
        return out;
    }

    static int[] concatShape(int[] batch, int x, int y) {
        int[] s = java.util.Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = x;
        s[batch.length + 1] = y;
        return s;
    }

    // ---------------------------------------------------------------- softmax

    @Override
    public Tensor softmax(Tensor a, int axis) {
        return softmaxImpl(a, axis, false);
    }

    @Override
    public Tensor logSoftmax(Tensor a, int axis) {
        return softmaxImpl(a, axis, true);
    }

    private Tensor softmaxImpl(Tensor a, int axis, boolean log) {
        String name = log ? "logSoftmax" : "softmax";
        Checks.floating(name, a);
        int ax = Shape.axis(name, axis, a.rank());
        int n = a.size(ax);
        Tensor out = Tensor.zeros(a.dtype(), a.shape());
        if (n == 0 || a.numel() == 0) return out;
        int[] base = Strided.offsets(a.narrow(ax, 0, 1).shape(), a.strides(), a.offset());
        int[] obase = Strided.offsets(out.narrow(ax, 0, 1).shape(), out.strides(), 0);
        int step = a.strides()[ax], ostep = out.strides()[ax];
        for (int e = 0; e < base.length; e++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, a.storage().get(base[e] + j * step));
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(a.storage().get(base[e] + j * step) - max);
            double logSum = Math.log(sum);
            for (int j = 0; j < n; j++) {
                double z = a.storage().get(base[e] + j * step) - max;
                out.storage().set(obase[e] + j * ostep, log ? z - logSum : Math.exp(z) / sum);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- indexing

    @Override
    public Tensor gather(Tensor src, int axis, Tensor index) {
        int ax = Shape.axis("gather", axis, src.rank());
        Checks.gatherShapes("gather", src, ax, index);
        Tensor out = Tensor.zeros(src.dtype(), index.shape());
        int[] oi = Strided.offsets(index);
        int[] pos = new int[index.rank()];
        for (int e = 0; e < oi.length; e++) {
            unravel(e, index.shape(), pos);
            pos[ax] = Checks.checkedIndex("gather", index.storage().get(oi[e]), src.size(ax));
            out.storage().set(e, src.get(pos));
        }
        return out;
    }

    @Override
    public Tensor scatterAdd(Tensor self, int axis, Tensor index, Tensor src) {
        int ax = Shape.axis("scatterAdd", axis, self.rank());
        Checks.gatherShapes("scatterAdd", self, ax, index);
        Checks.sameDType("scatterAdd", self, src);
        if (!index.sameShape(src)) throw ShapeException.of("scatterAdd", "index and src must have one shape", index.shape(), src.shape());
        Tensor out = copy(self);
        int[] pos = new int[index.rank()];
        for (int e = 0; e < index.numel(); e++) {
            unravel(e, index.shape(), pos);
            double v = src.get(pos);
            int target = Checks.checkedIndex("scatterAdd", index.get(pos), self.size(ax));
            pos[ax] = target;
            out.set(out.get(pos) + v, pos);
        }
        return out;
    }

    @Override
    public Tensor indexSelect(Tensor src, int axis, Tensor index) {
        int ax = Shape.axis("indexSelect", axis, src.rank());
        Checks.index("indexSelect", index);
        if (index.rank() != 1) throw ShapeException.of("indexSelect", "index must be 1-D", index.shape());
        int[] shape = src.shape();
        shape[ax] = index.size(0);
        Tensor out = Tensor.zeros(src.dtype(), shape);
        for (int j = 0; j < index.size(0); j++) {
            int i = Checks.checkedIndex("indexSelect", index.get(j), src.size(ax));
            copyInto(out.narrow(ax, j, 1), src.narrow(ax, i, 1));
        }
        return out;
    }

    @Override
    public Tensor indexAdd(Tensor self, int axis, Tensor index, Tensor src) {
        int ax = Shape.axis("indexAdd", axis, self.rank());
        Checks.index("indexAdd", index);
        Checks.sameDType("indexAdd", self, src);
        if (index.rank() != 1 || src.size(ax) != index.size(0))
            throw ShapeException.of("indexAdd", "index must be 1-D with one entry per source slice", index.shape(), src.shape());
        Tensor out = copy(self);
        for (int j = 0; j < index.size(0); j++) {
            int i = Checks.checkedIndex("indexAdd", index.get(j), self.size(ax));
            accumulate(out.narrow(ax, i, 1), src.narrow(ax, j, 1));
        }
        return out;
    }

    @Override
    public Tensor concat(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) throw new ShapeException("concat: no tensors given");
        Tensor first = parts.get(0);
        int ax = Shape.axis("concat", axis, first.rank());
        int[] shape = first.shape();
        int total = 0;
        for (Tensor t : parts) {
            Checks.sameDType("concat", first, t);
            int[] s = t.shape();
            if (s.length != shape.length) throw ShapeException.of("concat", "ranks differ", shape, s);
            for (int k = 0; k < s.length; k++)
                if (k != ax && s[k] != shape[k]) throw ShapeException.of("concat", "sizes differ off axis " + ax, shape, s);
            total += s[ax];
        }
        shape[ax] = total;
        Tensor out = Tensor.zeros(first.dtype(), shape);
        int start = 0;
        for (Tensor t : parts) {
            copyInto(out.narrow(ax, start, t.size(ax)), t);
            start += t.size(ax);
        }
        return out;
    }

    // ---------------------------------------------------------------- copies

    @Override
    public Tensor copy(Tensor a) {
        Tensor out = Tensor.zeros(a.dtype(), a.shape());
        int[] oa = Strided.offsets(a);
        for (int e = 0; e < oa.length; e++) out.storage().set(e, a.storage().get(oa[e]));
        return out;
    }

    @Override
    public void copyInto(Tensor dst, Tensor src) {
        int[] od = Strided.offsets(dst), os = Strided.offsets(src.expand(dst.shape()));
        for (int e = 0; e < od.length; e++) dst.storage().set(od[e], src.storage().get(os[e]));
    }

    @Override
    public void accumulate(Tensor dst, Tensor src) {
        Checks.sameDType("accumulate", dst, src);
        int[] od = Strided.offsets(dst), os = Strided.offsets(src.expand(dst.shape()));
        for (int e = 0; e < od.length; e++) dst.storage().set(od[e], dst.storage().get(od[e]) + src.storage().get(os[e]));
    }

    /** Row-major multi-index of flat position e. */
    static void unravel(int e, int[] shape, int[] pos) {
        for (int k = shape.length - 1; k >= 0; k--) {
            pos[k] = e % shape[k];
            e /= shape[k];
        }
    }
}
