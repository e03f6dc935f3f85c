package io.moe4j.cuda;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Tensor;
import java.util.Arrays;

/**
 * The host-side launch arithmetic, kept free of JCuda so it is unit-tested without a GPU: axis
 * collapsing for the strided kernels, the {@code Dims}/{@code Strides} structs they take, the
 * storage span a view touches (what gets copied to the device), the [outer, n, inner] view of an
 * axis, and grid sizes.
 */
public final class Layout {
    /** Must equal MAXD in src/main/cuda/common.cuh. */
    public static final int MAX_DIMS = 8;
    /** Grid-stride kernels need no more blocks than this to fill an H100 many times over. */
    public static final int MAX_BLOCKS = 65535;

    private Layout() {}

    /** A logical shape with one stride vector per operand, after merging axes. */
    public record Collapsed(int[] shape, int[][] strides) {
        public int rank() {
            return shape.length;
        }
    }

    /**
     * Drops size-1 axes and merges neighbours k, k+1 wherever every operand has
     * {@code stride[k] == stride[k+1] * shape[k+1]}. Row-major enumeration of the result visits
     * the same elements in the same order, so a contiguous output needs no strides of its own.
     * A rank-0 or all-ones shape becomes [1] with zero strides.
     */
    public static Collapsed collapse(int[] shape, int[]... strides) {
        int r = shape.length;
        int[] s = new int[r];
        int[][] st = new int[strides.length][r];
        int n = 0;
        for (int k = 0; k < r; k++) {
            if (shape[k] == 1) continue;
            if (n > 0 && mergeable(s[n - 1], st, n - 1, strides, k, shape[k])) {
                s[n - 1] *= shape[k];
                for (int o = 0; o < strides.length; o++) st[o][n - 1] = strides[o][k];
                continue;
            }
            s[n] = shape[k];
            for (int o = 0; o < strides.length; o++) st[o][n] = strides[o][k];
            n++;
        }
        if (n == 0) return new Collapsed(new int[] {1}, new int[strides.length][1]);
        int[][] outSt = new int[strides.length][];
        for (int o = 0; o < strides.length; o++) outSt[o] = Arrays.copyOf(st[o], n);
        return new Collapsed(Arrays.copyOf(s, n), outSt);
    }

    private static boolean mergeable(int prevSize, int[][] st, int prev, int[][] strides, int k, int size) {
        for (int o = 0; o < strides.length; o++)
            if ((long) st[o][prev] != (long) strides[o][k] * size) return false;
        return true;
    }

    /** The {@code Dims} struct: rank then MAX_DIMS sizes (unused ones 1). */
    public static int[] dims(int[] shape) {
        if (shape.length > MAX_DIMS) throw new ShapeException("cuda: rank " + shape.length + " exceeds " + MAX_DIMS + " after collapsing, shape " + Shape.str(shape));
        int[] d = new int[MAX_DIMS + 1];
        Arrays.fill(d, 1);
        d[0] = shape.length;
        System.arraycopy(shape, 0, d, 1, shape.length);
        return d;
    }

    /** The {@code Strides} struct: MAX_DIMS strides (unused ones 0). */
    public static int[] strides(int[] strides) {
        if (strides.length > MAX_DIMS) throw new ShapeException("cuda: rank " + strides.length + " exceeds " + MAX_DIMS);
        return Arrays.copyOf(strides, MAX_DIMS);
    }

    /** The storage elements [start, start + length) that a view reads. */
    public record Span(int start, int length) {}

    /** The smallest storage range holding every element of the view (empty views: length 0). */
    public static Span span(Tensor t) {
        return span(t.shape(), t.strides(), t.offset());
    }

    public static Span span(int[] shape, int[] strides, int offset) {
        if (Shape.numel(shape) == 0) return new Span(offset, 0);
        long lo = offset, hi = offset;
        for (int k = 0; k < shape.length; k++) {
            long reach = (long) (shape[k] - 1) * strides[k];
            if (reach < 0) lo += reach;
            else hi += reach;
        }
        return new Span((int) lo, (int) (hi - lo + 1));
    }

    /** {outer, n, inner}: the axis {@code axis} of a contiguous {@code shape} as a 3-D block. */
    public static int[] around(int[] shape, int axis) {
        int outer = 1, inner = 1;
        for (int k = 0; k < axis; k++) outer *= shape[k];
        for (int k = axis + 1; k < shape.length; k++) inner *= shape[k];
        return new int[] {outer, shape[axis], inner};
    }

    /** Blocks for a grid-stride kernel over {@code n} items with {@code threads} per block. */
    public static int blocks(long n, int threads) {
        long b = (n + threads - 1) / threads;
        return (int) Math.max(1, Math.min(b, MAX_BLOCKS));
    }

    /** A power-of-two block size between 32 and {@code max} that covers {@code n} if it can. */
    public static int threadsFor(int n, int max) {
        int t = 32;
        while (t < n && t < max) t <<= 1;
        return t;
    }

    /** Bytes per element on the device (F32 and I32 share the 4-byte kernels). */
    public static int elemBytes(DType d) {
        return switch (d) {
            case F32, I32 -> 4;
            case F64 -> 8;
            default -> throw new IllegalArgumentException(d + " is storage-only; convert to F32 before using the cuda backend");
        };
    }

    /** Kernel name suffix for arithmetic kernels. */
    public static String suffix(DType d) {
        return switch (d) {
            case F32 -> "f32";
            case F64 -> "f64";
            case I32 -> "i32";
            default -> throw new IllegalArgumentException(d + " has no cuda kernels");
        };
    }

    /** Kernel name suffix for data-movement kernels, which only care about element width. */
    public static String widthSuffix(DType d) {
        return elemBytes(d) == 4 ? "b4" : "b8";
    }
}
