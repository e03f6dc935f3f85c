package io.moe4j.tensor.cpu;

import io.moe4j.tensor.*;
import java.util.Arrays;
import java.util.List;

/**
 * The fast CPU backend: Vector API kernels on {@link Parallel}'s fixed pool, F32 only. Anything it
 * has no fast path for (F64, odd layouts, rare ops) falls through to {@link ReferenceBackend}, so
 * nothing is ever "unsupported". Work is split into fixed ranges, so results are bit-identical
 * for a given thread count.
 */
public class CpuBackend extends ReferenceBackend {
    /** Elements per parallel chunk for element-wise work; below this, one thread is faster. */
    static final int GRAIN = 1 << 15;

    @Override
    public String name() {
        return "cpu";
    }

    private static boolean f32(Tensor... ts) {
        for (Tensor t : ts) if (t.dtype() != DType.F32) return false;
        return true;
    }

    // ---------------------------------------------------------------- element-wise

    @Override
    public Tensor unary(UnaryOp op, Tensor a) {
        if (!f32(a)) return super.unary(op, a);
        Tensor x = a.contiguous();
        Tensor out = Tensor.zeros(DType.F32, a.shape());
        float[] src = x.storage().f, dst = out.storage().f;
        int off = x.offset();
        Parallel.forRange(out.numel(), GRAIN, (s, e) -> VecKernels.unary(op, src, off + s, dst, s, e - s));
        return out;
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        if (!f32(a, b)) return super.binary(op, a, b);
        String name = op.name().toLowerCase();
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor out = Tensor.zeros(DType.F32, shape);
        float[] o = out.storage().f;
        int n = out.numel();
        if (b.numel() == 1 || a.numel() == 1) { // tensor-scalar
            boolean left = a.numel() == 1 && b.numel() != 1;
            Tensor t = (left ? b : a).expand(shape).contiguous();
            float s = (float) (left ? a : b).contiguous().storage().f[(left ? a : b).contiguous().offset()];
            float[] ta = t.storage().f;
            int off = t.offset();
            Parallel.forRange(n, GRAIN, (st, en) -> VecKernels.binaryScalar(op, ta, off + st, s, left, o, st, en - st));
            return out;
        }
        Tensor x = full(a, shape), y = full(b, shape);
        float[] xa = x.storage().f, ya = y.storage().f;
        int xo = x.offset(), yo = y.offset();
        Parallel.forRange(n, GRAIN, (st, en) -> VecKernels.binary(op, xa, xo + st, ya, yo + st, o, st, en - st));
        return out;
    }

    /** t broadcast to shape, as a contiguous view (a copy only when broadcasting or strided). */
    private Tensor full(Tensor t, int[] shape) {
        return Arrays.equals(t.shape(), shape) ? t.contiguous() : copy(t.expand(shape));
    }

    @Override
    public Tensor affine(Tensor a, double scale, double shift) {
        if (!f32(a)) return super.affine(a, scale, shift);
        Tensor x = a.contiguous();
        Tensor out = Tensor.zeros(DType.F32, a.shape());
        float[] src = x.storage().f, dst = out.storage().f;
        int off = x.offset();
        Parallel.forRange(out.numel(), GRAIN, (s, e) -> VecKernels.affine(src, off + s, (float) scale, (float) shift, dst, s, e - s));
        return out;
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public Tensor reduce(ReduceOp op, Tensor a, int axis, boolean keepDims) {
        if (!f32(a)) return super.reduce(op, a, axis, keepDims);
        int ax = Shape.axis("reduce " + op.name().toLowerCase(), axis, a.rank());
        int n = a.size(ax);
        if (n == 0) return super.reduce(op, a, axis, keepDims);
        Tensor x = lastAxis(a, ax);
        int rows = x.numel() / n;
        Tensor out = Tensor.zeros(DType.F32, Shape.reduced(a.shape(), ax, keepDims));
        float[] src = x.storage().f, dst = out.storage().f;
        int off = x.offset();
        Parallel.forRange(rows, Math.max(1, GRAIN / n), (s, e) -> {
            for (int r = s; r < e; r++) {
                int base = off + r * n;
                dst[r] = switch (op) {
                    case SUM -> VecKernels.sum(src, base, n);
                    case MEAN -> VecKernels.sum(src, base, n) / n;
                    case MAX -> VecKernels.max(src, base, n);
                    case MIN -> VecKernels.min(src, base, n);
                };
            }
        });
        return out;
    }

    /** a with axis moved last, contiguous (a view when axis is already last and a is contiguous). */
    private Tensor lastAxis(Tensor a, int ax) {
        if (ax == a.rank() - 1) return a.contiguous();
        int[] perm = new int[a.rank()];
        for (int k = 0, j = 0; k < perm.length; k++) if (k != ax) perm[j++] = k;
        perm[perm.length - 1] = ax;
        return copy(a.permute(perm));
    }

    // ---------------------------------------------------------------- softmax

    @Override
    public Tensor softmax(Tensor a, int axis) {
        return f32(a) ? softmaxF32(a, axis, false) : super.softmax(a, axis);
    }

    @Override
    public Tensor logSoftmax(Tensor a, int axis) {
        return f32(a) ? softmaxF32(a, axis, true) : super.logSoftmax(a, axis);
    }

    private Tensor softmaxF32(Tensor a, int axis, boolean log) {
        int ax = Shape.axis(log ? "logSoftmax" : "softmax", axis, a.rank());
        int n = a.size(ax);
        if (n == 0 || a.numel() == 0) return Tensor.zeros(DType.F32, a.shape());
        Tensor x = lastAxis(a, ax);
        int rows = x.numel() / n;
        Tensor out = Tensor.zeros(DType.F32, x.shape());
        float[] src = x.storage().f, dst = out.storage().f;
        int off = x.offset();
        Parallel.forRange(rows, Math.max(1, GRAIN / n), (s, e) -> {
            for (int r = s; r < e; r++) softmaxRow(src, off + r * n, dst, r * n, n, log);
        });
        if (ax == a.rank() - 1) return out;
        int[] back = new int[a.rank()]; // inverse of the move-axis-last permutation
        for (int k = 0, j = 0; k < back.length; k++) back[k] = k == ax ? a.rank() - 1 : j++;
        return copy(out.permute(back));
    }

    static void softmaxRow(float[] src, int s, float[] dst, int d, int n, boolean log) {
        float max = VecKernels.max(src, s, n);
        float sum = FloatMath.expShiftSum(src, s, max, dst, d, n);
        if (log) {
            float shift = max + (float) Math.log(sum);
            VecKernels.affine(src, s, 1f, -shift, dst, d, n);
        } else {
            VecKernels.affine(dst, d, 1f / sum, 0f, dst, d, n);
        }
    }

    // ---------------------------------------------------------------- matmul

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        if (!f32(a, b)) return super.matmul(a, b);
        return CpuMatmul.matmul(a, b);
    }

    // ---------------------------------------------------------------- indexing and copies

    @Override
    public Tensor indexSelect(Tensor src, int axis, Tensor index) {
        int ax = Shape.axis("indexSelect", axis, src.rank());
        if (!f32(src) || ax != 0 || index.rank() != 1 || index.dtype() != DType.I32) return super.indexSelect(src, axis, index);
        Tensor x = src.contiguous();
        int rows = index.size(0), row = x.numel() / Math.max(1, x.size(0));
        int[] shape = x.shape();
        shape[0] = rows;
        Tensor out = Tensor.zeros(DType.F32, shape);
        int[] idx = index.toIntArray();
        for (int j = 0; j < rows; j++) {
            int i = Checks.checkedIndex("indexSelect", idx[j], x.size(0));
            System.arraycopy(x.storage().f, x.offset() + i * row, out.storage().f, j * row, row);
        }
        return out;
    }

    @Override
    public Tensor indexAdd(Tensor self, int axis, Tensor index, Tensor src) {
        int ax = Shape.axis("indexAdd", axis, self.rank());
        if (!f32(self, src) || ax != 0 || index.rank() != 1 || index.size(0) != src.size(0)) return super.indexAdd(self, axis, index, src);
        Tensor out = copy(self), s = src.contiguous();
        int row = out.numel() / Math.max(1, out.size(0));
        if (s.numel() != index.size(0) * row) return super.indexAdd(self, axis, index, src);
        int[] idx = index.toIntArray();
        for (int j = 0; j < idx.length; j++) {
            int i = Checks.checkedIndex("indexAdd", idx[j], out.size(0));
            VecKernels.addInto(out.storage().f, i * row, s.storage().f, s.offset() + j * row, row);
        }
        return out;
    }

    @Override
    public Tensor copy(Tensor a) {
        if (!f32(a)) return super.copy(a);
        Tensor out = Tensor.zeros(DType.F32, a.shape());
        StridedCopy.copy(a, out);
        return out;
    }

    @Override
    public void copyInto(Tensor dst, Tensor src) {
        if (!f32(dst, src)) { super.copyInto(dst, src); return; }
        StridedCopy.copy(src.expand(dst.shape()), dst);
    }

    @Override
    public void accumulate(Tensor dst, Tensor src) {
        if (!f32(dst, src) || !dst.isContiguous()) { super.accumulate(dst, src); return; }
        Tensor s = full(src, dst.shape());
        float[] d = dst.storage().f, sa = s.storage().f;
        int doff = dst.offset(), soff = s.offset();
        Parallel.forRange(dst.numel(), GRAIN, (st, en) -> VecKernels.addInto(d, doff + st, sa, soff + st, en - st));
    }

    @Override
    public Tensor concat(List<Tensor> parts, int axis) {
        return super.concat(parts, axis); // copies go through this class's copyInto
    }
}
