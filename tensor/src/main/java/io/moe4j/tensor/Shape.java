package io.moe4j.tensor;

import java.util.Arrays;

/** Static helpers on shapes (int[] of dimension sizes) and strides. */
public final class Shape {
    private Shape() {}

    public static int numel(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        if (n > Integer.MAX_VALUE) throw new ShapeException("tensor too large: " + str(shape) + " has " + n + " elements");
        return (int) n;
    }

    /** Row-major (C order) strides. */
    public static int[] contiguousStrides(int[] shape) {
        int[] st = new int[shape.length];
        int s = 1;
        for (int k = shape.length - 1; k >= 0; k--) {
            st[k] = s;
            s *= Math.max(shape[k], 1);
        }
        return st;
    }

    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /** Normalises a possibly negative axis; the error names the op. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new ShapeException(op + ": axis " + axis + " out of range for rank " + rank);
        return a;
    }

    /** NumPy broadcasting of two shapes. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int k = 0; k < r; k++) {
            int da = k - (r - a.length) >= 0 ? a[k - (r - a.length)] : 1;
            int db = k - (r - b.length) >= 0 ? b[k - (r - b.length)] : 1;
            if (da != db && da != 1 && db != 1) throw ShapeException.of(op, "shapes do not broadcast", a, b);
            out[k] = da == 1 ? db : da;
        }
        return out;
    }

    public static int[] broadcast(String op, int[] a, int[] b, int[] c) {
        return broadcast(op, broadcast(op, a, b), c);
    }

    /** The shape with {@code axis} removed (or set to 1 when keepDims). */
    public static int[] reduced(int[] shape, int axis, boolean keepDims) {
        if (keepDims) {
            int[] out = shape.clone();
            out[axis] = 1;
            return out;
        }
        int[] out = new int[shape.length - 1];
        for (int k = 0, j = 0; k < shape.length; k++) if (k != axis) out[j++] = shape[k];
        return out;
    }
}
