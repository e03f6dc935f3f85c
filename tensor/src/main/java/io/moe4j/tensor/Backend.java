package io.moe4j.tensor;

import java.util.List;

/**
 * The primitive op set every backend implements. Inputs may be any strided views; outputs are
 * new contiguous tensors unless the method says it writes in place. Floating ops need operands of
 * one dtype (F32 or F64); index operands are I32. Errors are {@link ShapeException}s naming the op
 * and the shapes.
 *
 * <p>Fused ops (RMSNorm, RoPE, attention, SwiGLU, softmax-cross-entropy, AdamW) are added by the
 * layers that need them as default methods composed from these primitives, which faster backends
 * override.
 */
public interface Backend {

    /** Short name used by {@code -Dmoe4j.backend}: reference, cpu, cuda. */
    String name();

    // ---- element-wise
    Tensor unary(UnaryOp op, Tensor a);

    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /** out = cond != 0 ? a : b, all three broadcast together; cond may be any dtype. */
    Tensor where(Tensor cond, Tensor a, Tensor b);

    /** a * scale + shift, element-wise (a fused convenience for scalars). */
    Tensor affine(Tensor a, double scale, double shift);

    // ---- reductions
    Tensor reduce(ReduceOp op, Tensor a, int axis, boolean keepDims);

    /** Index of the maximum along {@code axis} (first one on ties), as I32. */
    Tensor argmax(Tensor a, int axis, boolean keepDims);

    // ---- linear algebra
    /**
     * a [..., M, K] @ b [..., K, N] -> [..., M, N], batch axes broadcast. Transposed views (the
     * last two strides swapped) are used without copying where the backend can.
     */
    Tensor matmul(Tensor a, Tensor b);

    // ---- softmax
    Tensor softmax(Tensor a, int axis);

    Tensor logSoftmax(Tensor a, int axis);

    // ---- indexing
    /** out[..i..] = src[..index[..i..]..] along axis; index has src's rank (torch.gather). */
    Tensor gather(Tensor src, int axis, Tensor index);

    /** A copy of self with src added at index along axis (torch.scatter_add); index and src share a shape. */
    Tensor scatterAdd(Tensor self, int axis, Tensor index, Tensor src);

    /** Rows (or slices) of src chosen by a 1-D I32 index along axis (torch.index_select). */
    Tensor indexSelect(Tensor src, int axis, Tensor index);

    /** A copy of self with src's slices added at the positions of a 1-D index along axis (torch.index_add). */
    Tensor indexAdd(Tensor self, int axis, Tensor index, Tensor src);

    /** Concatenation along axis. */
    Tensor concat(List<Tensor> parts, int axis);

    // ---- copies and in-place updates
    /** A contiguous copy of any view. */
    Tensor copy(Tensor a);

    /** dst[...] = src[...] (src broadcast to dst's shape); dst may be a view into a larger buffer. */
    void copyInto(Tensor dst, Tensor src);

    /** dst += src (src broadcast to dst's shape). Gradients accumulate through this. */
    void accumulate(Tensor dst, Tensor src);
}
