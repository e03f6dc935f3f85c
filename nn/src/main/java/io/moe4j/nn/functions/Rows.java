package io.moe4j.nn.functions;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Storage;
import io.moe4j.tensor.Tensor;

/**
 * Moves runs of elements between a tensor's storage (F32 or F64) and double scratch arrays.
 *
 * <p>Why: each fused kernel is written once, in double arithmetic over scratch rows, and serves
 * both the float64 gradient checks and float32 training. The loads and stores are the only
 * dtype-specific code. The kernels these serve (norms, rotary, SwiGLU, attention) are memory- or
 * loop-bound, so computing in double costs F32 little and makes the F32 results more accurate.
 */
final class Rows {
    private Rows() {}

    /** dst[dOff..dOff+n) = storage[at..at+n). */
    static void load(Storage s, int at, double[] dst, int dOff, int n) {
        if (s.dtype == DType.F64) {
            System.arraycopy(s.d, at, dst, dOff, n);
        } else {
            float[] f = s.f;
            for (int k = 0; k < n; k++) dst[dOff + k] = f[at + k];
        }
    }

    /** storage[at..at+n) = src[sOff..sOff+n), rounded to the storage dtype. */
    static void store(double[] src, int sOff, Storage s, int at, int n) {
        if (s.dtype == DType.F64) {
            System.arraycopy(src, sOff, s.d, at, n);
        } else {
            float[] f = s.f;
            for (int k = 0; k < n; k++) f[at + k] = (float) src[sOff + k];
        }
    }

    /** Checks that every tensor is F32 or F64 and that they share one dtype. */
    static void sameFloating(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (!t.dtype().isFloating()) throw ShapeException.of(op, "needs F32 or F64, got " + t.dtype(), t.shape());
            if (t.dtype() != ts[0].dtype())
                throw ShapeException.of(op, "dtype mismatch " + ts[0].dtype() + " vs " + t.dtype(), ts[0].shape(), t.shape());
        }
    }

    /** Rows of at least this many elements per parallel chunk, so small tensors stay on one thread. */
    static int minRows(int rowLength) {
        return Math.max(1, (1 << 14) / Math.max(1, rowLength));
    }
}
