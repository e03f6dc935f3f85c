package io.moe4j.tensor;

/** Walks strided views in row-major logical order. */
public final class Strided {
    private Strided() {}

    /**
     * The storage offset of every element of a view, in row-major logical order. Used by the
     * reference backend (clarity over speed) and by copies of non-contiguous views.
     */
    public static int[] offsets(int[] shape, int[] strides, int offset) {
        int n = Shape.numel(shape);
        int[] out = new int[n];
        if (n == 0) return out;
        int r = shape.length;
        int[] idx = new int[r];
        int off = offset;
        for (int e = 0; e < n; e++) {
            out[e] = off;
            for (int k = r - 1; k >= 0; k--) { // odometer increment
                idx[k]++;
                off += strides[k];
                if (idx[k] < shape[k]) break;
                off -= strides[k] * shape[k];
                idx[k] = 0;
            }
        }
        return out;
    }

    public static int[] offsets(Tensor t) {
        return offsets(t.shape(), t.strides(), t.offset());
    }
}
