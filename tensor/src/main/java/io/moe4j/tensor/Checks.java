package io.moe4j.tensor;

/** Argument checks shared by backends; every message names the op and the shapes. */
public final class Checks {
    private Checks() {}

    public static void floating(String op, Tensor a) {
        if (!a.dtype().isFloating())
            throw ShapeException.of(op, "needs a floating tensor (F32 or F64), got " + a.dtype(), a.shape());
    }

    public static void sameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype())
            throw ShapeException.of(op, "dtype mismatch " + a.dtype() + " vs " + b.dtype(), a.shape(), b.shape());
    }

    public static void index(String op, Tensor index) {
        if (index.dtype() != DType.I32)
            throw ShapeException.of(op, "index must be I32, got " + index.dtype(), index.shape());
    }

    /** Validates matmul operands and returns the output shape [..., M, N]. */
    public static int[] matmulShape(Tensor a, Tensor b) {
        sameDType("matmul", a, b);
        floating("matmul", a);
        int[] sa = a.shape(), sb = b.shape();
        if (sa.length < 2 || sb.length < 2) throw ShapeException.of("matmul", "operands need rank >= 2", sa, sb);
        int m = sa[sa.length - 2], k = sa[sa.length - 1], k2 = sb[sb.length - 2], n = sb[sb.length - 1];
        if (k != k2) throw ShapeException.of("matmul", "inner dimensions differ (" + k + " vs " + k2 + ")", sa, sb);
        int[] ba = java.util.Arrays.copyOf(sa, sa.length - 2), bb = java.util.Arrays.copyOf(sb, sb.length - 2);
        int[] batch = Shape.broadcast("matmul", ba, bb);
        int[] out = java.util.Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = n;
        return out;
    }

    /** Shape checks for gather/scatterAdd: index rank equals src rank, and sizes fit. */
    public static void gatherShapes(String op, Tensor src, int axis, Tensor index) {
        index(op, index);
        if (index.rank() != src.rank()) throw ShapeException.of(op, "index rank must equal source rank", src.shape(), index.shape());
        for (int k = 0; k < src.rank(); k++)
            if (k != axis && index.size(k) > src.size(k))
                throw ShapeException.of(op, "index is larger than the source on axis " + k, src.shape(), index.shape());
    }

    public static int checkedIndex(String op, double v, int bound) {
        int i = (int) v;
        if (i < 0 || i >= bound) throw new ShapeException(op + ": index " + i + " out of range [0, " + bound + ")");
        return i;
    }
}
