package io.moe4j.tensor;

import java.util.Arrays;
import java.util.Random;

/**
 * An n-dimensional strided view (shape, strides, offset) over a {@link Storage}. Views never copy:
 * reshape of a contiguous tensor, permute/transpose, narrow, expand, unsqueeze/squeeze all share
 * storage. {@link #contiguous()} copies only when the layout is not already row-major. Arithmetic
 * lives in {@link Ops} and the {@link Backend}s; a Tensor is just data plus layout.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    public Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length)
            throw new ShapeException("shape " + Shape.str(shape) + " and strides " + Shape.str(strides) + " differ in rank");
        for (int s : shape) if (s < 0) throw new ShapeException("negative dimension in shape " + Shape.str(shape));
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    // ---------------------------------------------------------------- factories

    public static Tensor zeros(DType dtype, int... shape) {
        return new Tensor(Storage.allocate(dtype, Shape.numel(shape)), shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    public static Tensor full(DType dtype, double value, int... shape) {
        Tensor t = zeros(dtype, shape);
        t.storage.fill(value);
        return t;
    }

    /** Wraps {@code data} (no copy) as a contiguous F32 tensor. */
    public static Tensor of(float[] data, int... shape) {
        checkLength("Tensor.of", data.length, shape);
        return new Tensor(Storage.of(data), shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    /** Wraps {@code data} (no copy) as a contiguous F64 tensor. */
    public static Tensor of(double[] data, int... shape) {
        checkLength("Tensor.of", data.length, shape);
        return new Tensor(Storage.of(data), shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    /** Wraps {@code data} (no copy) as a contiguous I32 tensor. */
    public static Tensor ofInts(int[] data, int... shape) {
        checkLength("Tensor.ofInts", data.length, shape);
        return new Tensor(Storage.of(data), shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    /** A rank-0 tensor. */
    public static Tensor scalar(double v, DType dtype) {
        return full(dtype, v);
    }

    /** 0, 1, ..., n-1. */
    public static Tensor arange(int n, DType dtype) {
        Tensor t = zeros(dtype, n);
        for (int k = 0; k < n; k++) t.storage.set(k, k);
        return t;
    }

    /** Standard normal samples times {@code std}, from java.util.Random (a specified algorithm, so the same seed gives the same bits everywhere). */
    public static Tensor randn(long seed, DType dtype, double std, int... shape) {
        Tensor t = zeros(dtype, shape);
        Random r = new Random(seed);
        for (int k = 0; k < t.numel(); k++) t.storage.set(k, r.nextGaussian() * std);
        return t;
    }

    /** Uniform samples in [lo, hi). */
    public static Tensor rand(long seed, DType dtype, double lo, double hi, int... shape) {
        Tensor t = zeros(dtype, shape);
        Random r = new Random(seed);
        for (int k = 0; k < t.numel(); k++) t.storage.set(k, lo + (hi - lo) * r.nextDouble());
        return t;
    }

    private static void checkLength(String op, int length, int[] shape) {
        if (Shape.numel(shape) != length)
            throw ShapeException.of(op, "array of length " + length + " does not fill", shape);
    }

    // ---------------------------------------------------------------- accessors

    public Storage storage() { return storage; }
    public int[] shape() { return shape.clone(); }
    public int[] strides() { return strides.clone(); }
    public int offset() { return offset; }
    public DType dtype() { return storage.dtype; }
    public int rank() { return shape.length; }
    public int size(int axis) { return shape[Shape.axis("size", axis, shape.length)]; }
    public int numel() { return Shape.numel(shape); }

    /** True when elements are laid out row-major with no gaps, starting at {@link #offset()}. */
    public boolean isContiguous() {
        int s = 1;
        for (int k = shape.length - 1; k >= 0; k--) {
            if (shape[k] != 1 && strides[k] != s) return false;
            s *= shape[k];
        }
        return true;
    }

    public boolean sameShape(Tensor o) {
        return Arrays.equals(shape, o.shape);
    }

    /** Element at a multi-index, as a double. */
    public double get(int... idx) {
        return storage.get(offsetOf(idx));
    }

    public void set(double v, int... idx) {
        storage.set(offsetOf(idx), v);
    }

    /** The single element of a one-element tensor. */
    public double item() {
        if (numel() != 1) throw ShapeException.of("item", "needs exactly one element", shape);
        return storage.get(offset);
    }

    private int offsetOf(int[] idx) {
        if (idx.length != shape.length) throw ShapeException.of("get", "index of rank " + idx.length + " for", shape);
        int off = offset;
        for (int k = 0; k < idx.length; k++) {
            if (idx[k] < 0 || idx[k] >= shape[k])
                throw ShapeException.of("get", "index " + Arrays.toString(idx) + " out of bounds for", shape);
            off += idx[k] * strides[k];
        }
        return off;
    }

    /** A row-major copy of the elements as floats. */
    public float[] toFloatArray() {
        Tensor c = contiguous();
        if (c.dtype() == DType.F32) return Arrays.copyOfRange(c.storage.f, c.offset, c.offset + c.numel());
        float[] out = new float[c.numel()];
        for (int k = 0; k < out.length; k++) out[k] = (float) c.storage.get(c.offset + k);
        return out;
    }

    /** A row-major copy of the elements as doubles. */
    public double[] toDoubleArray() {
        int[] offs = Strided.offsets(this);
        double[] out = new double[offs.length];
        for (int k = 0; k < out.length; k++) out[k] = storage.get(offs[k]);
        return out;
    }

    /** A row-major copy of the elements as ints (floats truncate toward zero). */
    public int[] toIntArray() {
        int[] offs = Strided.offsets(this);
        int[] out = new int[offs.length];
        for (int k = 0; k < out.length; k++) out[k] = (int) storage.get(offs[k]);
        return out;
    }

    /** A contiguous copy converted to {@code dtype} (a copy even when the dtype already matches). */
    public Tensor to(DType dtype) {
        int[] offs = Strided.offsets(this);
        Tensor out = zeros(dtype, shape);
        for (int k = 0; k < offs.length; k++) out.storage.set(k, storage.get(offs[k]));
        return out;
    }

    // ---------------------------------------------------------------- views

    /** This tensor if already row-major, otherwise a row-major copy made by the current backend. */
    public Tensor contiguous() {
        return isContiguous() ? this : Backends.current().copy(this);
    }

    /** Reshape; one dimension may be -1. A view when the layout allows, a copy otherwise. */
    public Tensor reshape(int... newShape) {
        int[] ns = inferShape(newShape);
        if (Shape.numel(ns) != numel()) throw ShapeException.of("reshape", "element counts differ", shape, ns);
        Tensor c = contiguous();
        return new Tensor(c.storage, ns, Shape.contiguousStrides(ns), c.offset);
    }

    private int[] inferShape(int[] newShape) {
        int[] ns = newShape.clone();
        int infer = -1;
        int known = 1;
        for (int k = 0; k < ns.length; k++) {
            if (ns[k] == -1) {
                if (infer >= 0) throw ShapeException.of("reshape", "only one -1 allowed", newShape);
                infer = k;
            } else known *= ns[k];
        }
        if (infer >= 0) {
            if (known == 0 || numel() % known != 0) throw ShapeException.of("reshape", "cannot infer -1", shape, newShape);
            ns[infer] = numel() / known;
        }
        return ns;
    }

    /** Reorders axes: result axis k is this tensor's axis {@code perm[k]}. */
    public Tensor permute(int... perm) {
        if (perm.length != shape.length) throw ShapeException.of("permute", "permutation " + Arrays.toString(perm) + " has wrong rank for", shape);
        int[] ns = new int[perm.length], st = new int[perm.length];
        boolean[] seen = new boolean[perm.length];
        for (int k = 0; k < perm.length; k++) {
            int p = Shape.axis("permute", perm[k], shape.length);
            if (seen[p]) throw ShapeException.of("permute", "axis repeated in " + Arrays.toString(perm), shape);
            seen[p] = true;
            ns[k] = shape[p];
            st[k] = strides[p];
        }
        return new Tensor(storage, ns, st, offset);
    }

    /** Swaps two axes. */
    public Tensor transpose(int a, int b) {
        int[] perm = new int[shape.length];
        for (int k = 0; k < perm.length; k++) perm[k] = k;
        a = Shape.axis("transpose", a, shape.length);
        b = Shape.axis("transpose", b, shape.length);
        perm[a] = b;
        perm[b] = a;
        return permute(perm);
    }

    /** Elements [start, start+length) along {@code axis}. */
    public Tensor narrow(int axis, int start, int length) {
        int a = Shape.axis("narrow", axis, shape.length);
        if (start < 0 || length < 0 || start + length > shape[a])
            throw ShapeException.of("narrow", "range [" + start + ", " + (start + length) + ") out of bounds on axis " + a, shape);
        int[] ns = shape.clone();
        ns[a] = length;
        return new Tensor(storage, ns, strides.clone(), offset + (length == 0 ? 0 : start * strides[a]));
    }

    /** Index {@code i} along {@code axis}, dropping that axis. */
    public Tensor select(int axis, int i) {
        int a = Shape.axis("select", axis, shape.length);
        return narrow(a, i, 1).squeeze(a);
    }

    /** Broadcast view to {@code newShape}: size-1 axes get stride 0, new leading axes too. */
    public Tensor expand(int... newShape) {
        if (newShape.length < shape.length) throw ShapeException.of("expand", "cannot lower the rank", shape, newShape);
        int lead = newShape.length - shape.length;
        int[] st = new int[newShape.length];
        for (int k = 0; k < newShape.length; k++) {
            if (k < lead) { st[k] = 0; continue; }
            int s = shape[k - lead];
            if (s == newShape[k]) st[k] = strides[k - lead];
            else if (s == 1) st[k] = 0;
            else throw ShapeException.of("expand", "axis " + (k - lead) + " of size " + s + " cannot expand", shape, newShape);
        }
        return new Tensor(storage, newShape.clone(), st, offset);
    }

    public Tensor unsqueeze(int axis) {
        int a = axis < 0 ? axis + shape.length + 1 : axis;
        if (a < 0 || a > shape.length) throw ShapeException.of("unsqueeze", "axis " + axis + " out of range", shape);
        int[] ns = new int[shape.length + 1], st = new int[shape.length + 1];
        for (int k = 0, j = 0; k < ns.length; k++) {
            if (k == a) { ns[k] = 1; st[k] = a < shape.length ? strides[a] * shape[a] : 1; continue; }
            ns[k] = shape[j];
            st[k] = strides[j++];
        }
        return new Tensor(storage, ns, st, offset);
    }

    public Tensor squeeze(int axis) {
        int a = Shape.axis("squeeze", axis, shape.length);
        if (shape[a] != 1) throw ShapeException.of("squeeze", "axis " + a + " has size " + shape[a], shape);
        int[] ns = new int[shape.length - 1], st = new int[shape.length - 1];
        for (int k = 0, j = 0; k < shape.length; k++) if (k != a) { ns[j] = shape[k]; st[j++] = strides[k]; }
        return new Tensor(storage, ns, st, offset);
    }

    /** Splits {@code axis} into pieces of the given sizes (views). */
    public Tensor[] split(int axis, int... sizes) {
        int a = Shape.axis("split", axis, shape.length);
        int total = 0;
        for (int s : sizes) total += s;
        if (total != shape[a]) throw ShapeException.of("split", "sizes " + Arrays.toString(sizes) + " do not add up to axis " + a, shape);
        Tensor[] out = new Tensor[sizes.length];
        for (int k = 0, start = 0; k < sizes.length; start += sizes[k++]) out[k] = narrow(a, start, sizes[k]);
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor(").append(dtype()).append(", ").append(Shape.str(shape));
        if (numel() <= 16) sb.append(", ").append(Arrays.toString(toDoubleArray()));
        return sb.append(')').toString();
    }
}
