package io.moe4j.tensor;

/**
 * Element types. F32 is the compute type and F64 the gradient-check type; I32 holds indices
 * (gather, argmax, token ids). BF16 and F16 are storage-only: checkpoint readers convert them to
 * F32 on load and writers convert back on save, see {@link Half}.
 */
public enum DType {
    F32(4), F64(8), I32(4), BF16(2), F16(2);

    /** Size of one element in bytes when stored in a file. */
    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** True for the types tensors can compute in (the others exist only in files). */
    public boolean isCompute() {
        return this == F32 || this == F64 || this == I32;
    }

    public boolean isFloating() {
        return this == F32 || this == F64;
    }
}
