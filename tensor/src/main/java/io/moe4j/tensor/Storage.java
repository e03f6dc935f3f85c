package io.moe4j.tensor;

import java.util.Arrays;

/**
 * A flat host buffer of one compute dtype. Exactly one of {@code f}, {@code d}, {@code i} is
 * non-null. Tensors are strided views over a Storage; many tensors may share one (parameters and
 * gradients each live in one flat Storage, see nn.ParameterBuffer).
 */
public final class Storage {
    public final DType dtype;
    public final float[] f;
    public final double[] d;
    public final int[] i;
    private final int size;

    private Storage(DType dtype, float[] f, double[] d, int[] i, int size) {
        this.dtype = dtype;
        this.f = f;
        this.d = d;
        this.i = i;
        this.size = size;
    }

    public static Storage allocate(DType dtype, int size) {
        if (size < 0) throw new IllegalArgumentException("storage size must be >= 0, got " + size);
        return switch (dtype) {
            case F32 -> new Storage(dtype, new float[size], null, null, size);
            case F64 -> new Storage(dtype, null, new double[size], null, size);
            case I32 -> new Storage(dtype, null, null, new int[size], size);
            default -> throw new IllegalArgumentException(
                    dtype + " is a storage-only dtype; convert to F32 on load (see Half)");
        };
    }

    public static Storage of(float[] data) {
        return new Storage(DType.F32, data, null, null, data.length);
    }

    /** The first {@code size} floats of {@code data} (a reused buffer may be longer than what it holds now). */
    public static Storage of(float[] data, int size) {
        if (size < 0 || size > data.length) throw new IllegalArgumentException("storage size " + size + " outside [0, " + data.length + "]");
        return new Storage(DType.F32, data, null, null, size);
    }

    public static Storage of(double[] data) {
        return new Storage(DType.F64, null, data, null, data.length);
    }

    public static Storage of(int[] data) {
        return new Storage(DType.I32, null, null, data, data.length);
    }

    public int size() {
        return size;
    }

    /** Element {@code idx} as a double, whatever the dtype (used by the reference backend). */
    public double get(int idx) {
        return switch (dtype) {
            case F32 -> f[idx];
            case F64 -> d[idx];
            default -> i[idx];
        };
    }

    /** Stores {@code v} at {@code idx}, rounding to the storage dtype (ints truncate toward zero). */
    public void set(int idx, double v) {
        switch (dtype) {
            case F32 -> f[idx] = (float) v;
            case F64 -> d[idx] = v;
            default -> i[idx] = (int) v;
        }
    }

    public void fill(double v) {
        switch (dtype) {
            case F32 -> Arrays.fill(f, (float) v);
            case F64 -> Arrays.fill(d, v);
            default -> Arrays.fill(i, (int) v);
        }
    }
}
