package io.moe4j.cuda;

import static io.moe4j.cuda.GpuChecks.*;

import io.moe4j.tensor.Backend;
import io.moe4j.tensor.BinaryOp;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.ReduceOp;
import io.moe4j.tensor.ReferenceBackend;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.UnaryOp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every {@link CudaBackend} primitive against {@link ReferenceBackend} (computes in double) on
 * contiguous, transposed, narrowed and broadcast inputs, F32 and F64. Tolerances, relative and
 * absolute:
 * <ul>
 *   <li>unary F32: 1e-5 / 1e-6 (CUDA's expf/tanhf/... are within a few ulp); F64: 1e-12 / 1e-14
 *   <li>binary F32: exact for + - * / min max and comparisons (one IEEE rounding each side); pow 1e-5
 *   <li>reduce and softmax: 1e-6 / 1e-6 * n (accumulated in double in a different order)
 *   <li>matmul FP32: 1e-5 / 1e-6 * K; gather, select, concat, copies: exact; atomics: 1e-6 / 1e-6
 * </ul>
 */
@Tag("gpu")
class CudaBackendGpuTest {
    static final Backend REF = new ReferenceBackend();

    /** The same values presented as several layouts (the kernels must agree on all of them). */
    static List<Tensor> layouts(DType d, long seed, int... shape) {
        List<Tensor> out = new ArrayList<>();
        out.add(Tensor.randn(seed, d, 1, shape));
        int r = shape.length;
        if (r >= 2) {
            int[] swapped = shape.clone();
            swapped[r - 1] = shape[r - 2];
            swapped[r - 2] = shape[r - 1];
            out.add(Tensor.randn(seed + 1, d, 1, swapped).transpose(r - 1, r - 2));
        }
        int[] wide = shape.clone();
        wide[r - 1] += 3;
        out.add(Tensor.randn(seed + 2, d, 1, wide).narrow(r - 1, 2, shape[r - 1]));
        return out;
    }

    @Test
    void unaryMatchesReference() {
        Backend be = backend();
        for (DType d : new DType[] {DType.F32, DType.F64})
            for (Tensor x : layouts(d, 1, 7, 33, 5))
                for (UnaryOp op : UnaryOp.values()) {
                    Tensor in = switch (op) {
                        case LOG, SQRT, RSQRT -> REF.unary(UnaryOp.ABS, x);
                        default -> REF.affine(x, 4, 0); // reach the tails of tanh, sigmoid, softplus
                    };
                    double rtol = d == DType.F32 ? 1e-5 : 1e-12, atol = d == DType.F32 ? 1e-6 : 1e-14;
                    close(REF.unary(op, in), be.unary(op, in), rtol, atol, "unary " + op + " " + d);
                }
    }

    @Test
    void binaryWhereAffineWithBroadcasting() {
        Backend be = backend();
        for (DType d : new DType[] {DType.F32, DType.F64})
            for (Tensor a : layouts(d, 3, 4, 17, 9)) {
                Tensor row = Tensor.randn(5, d, 1, 9), col = Tensor.randn(6, d, 1, 17, 1);
                for (BinaryOp op : BinaryOp.values()) {
                    Tensor base = op == BinaryOp.POW ? REF.unary(UnaryOp.ABS, a) : a;
                    double rtol = op == BinaryOp.POW ? 1e-5 : 0, atol = op == BinaryOp.POW ? 1e-6 : 0;
                    close(REF.binary(op, base, row), be.binary(op, base, row), rtol, atol, "binary " + op + " row " + d);
                    close(REF.binary(op, col, base), be.binary(op, col, base), rtol, atol, "binary " + op + " col " + d);
                }
                Tensor cond = REF.binary(BinaryOp.GT, col, Tensor.zeros(d, 1));
                close(REF.where(cond, a, row), be.where(cond, a, row), 0, 0, "where " + d);
                close(REF.where(cond.to(DType.I32), row, a), be.where(cond.to(DType.I32), row, a), 0, 0, "where I32 cond " + d);
                close(REF.affine(a, -1.5, 0.25), be.affine(a, -1.5, 0.25), 1e-6, 1e-7, "affine " + d);
            }
    }

    @Test
    void reductionsArgmaxSoftmax() {
        Backend be = backend();
        for (DType d : new DType[] {DType.F32, DType.F64})
            for (int[] shape : new int[][] {{6, 300, 5}, {3, 5, 300}}) // column and row kernels
            for (Tensor a : layouts(d, 7, shape))
                for (int axis = 0; axis < 3; axis++) {
                    for (ReduceOp op : ReduceOp.values())
                        for (boolean keep : new boolean[] {false, true})
                            close(REF.reduce(op, a, axis, keep), be.reduce(op, a, axis, keep), 1e-6, 1e-6 * a.size(axis), "reduce " + op + " axis " + axis);
                    close(REF.argmax(a, axis, false), be.argmax(a, axis, false), 0, 0, "argmax axis " + axis);
                    close(REF.softmax(a, axis), be.softmax(a, axis), 1e-6, 1e-7, "softmax axis " + axis);
                    close(REF.logSoftmax(a, axis), be.logSoftmax(a, axis), 1e-6, 1e-6, "logSoftmax axis " + axis);
                }
        Tensor ties = Tensor.of(new float[] {1, 3, 3, Float.NaN, 2, 2}, 2, 3);
        close(REF.argmax(ties, 1, true), be.argmax(ties, 1, true), 0, 0, "argmax ties and NaN");
        Tensor ints = Tensor.ofInts(new int[] {4, 9, 9, 1, 0, 2}, 3, 2);
        close(REF.argmax(ints, 0, false), be.argmax(ints, 0, false), 0, 0, "argmax I32");
    }

    @Test
    void matmulBatchedTransposedBroadcast() {
        Backend be = backend();
        int[][] mnk = {{1, 1, 1}, {17, 33, 65}, {64, 64, 64}, {129, 70, 300}};
        for (int[] s : mnk)
            for (DType d : new DType[] {DType.F32, DType.F64}) {
                int m = s[0], n = s[1], k = s[2];
                Tensor a = Tensor.randn(1, d, 1, 2, 1, m, k), b = Tensor.randn(2, d, 1, 3, n, k).transpose(-1, -2);
                double tol = d == DType.F32 ? 1e-6 * k : 1e-12 * k;
                close(REF.matmul(a, b), be.matmul(a, b), 1e-5, tol, "matmul " + m + "x" + n + "x" + k + " " + d);
            }
    }

    @Test
    void indexingOps() {
        Backend be = backend();
        Tensor src = randn(11, 5, 7, 3);
        Tensor idx = Tensor.ofInts(new int[] {0, 6, 2, 2, 5, 1, 3, 0, 4, 6, 6, 1}, 2, 2, 3);
        close(REF.gather(src, 1, idx), be.gather(src, 1, idx), 0, 0, "gather");
        Tensor upd = randn(12, 2, 2, 3);
        close(REF.scatterAdd(src, 1, idx, upd), be.scatterAdd(src, 1, idx, upd), 1e-6, 1e-6, "scatterAdd (repeated targets)");
        Tensor rows = Tensor.ofInts(new int[] {4, 0, 4, 2}, 4);
        close(REF.indexSelect(src, 0, rows), be.indexSelect(src, 0, rows), 0, 0, "indexSelect axis 0");
        close(REF.indexSelect(src.transpose(0, 2), 2, rows), be.indexSelect(src.transpose(0, 2), 2, rows), 0, 0, "indexSelect view");
        Tensor add = randn(13, 5, 4, 3);
        Tensor cols = Tensor.ofInts(new int[] {6, 1, 6, 0}, 4);
        close(REF.indexAdd(src, 1, cols, add), be.indexAdd(src, 1, cols, add), 1e-6, 1e-6, "indexAdd");
        Tensor ints = Tensor.ofInts(new int[] {1, 2, 3, 4, 5, 6}, 3, 2);
        close(REF.indexAdd(ints, 0, Tensor.ofInts(new int[] {2, 2}, 2), Tensor.ofInts(new int[] {10, 20, 30, 40}, 2, 2)),
                be.indexAdd(ints, 0, Tensor.ofInts(new int[] {2, 2}, 2), Tensor.ofInts(new int[] {10, 20, 30, 40}, 2, 2)), 0, 0, "indexAdd I32");
        List<Tensor> parts = List.of(randn(14, 5, 2, 3), src.narrow(1, 1, 4), randn(15, 5, 0, 3));
        close(REF.concat(parts, 1), be.concat(parts, 1), 0, 0, "concat");
        close(REF.concat(List.of(Tensor.randn(3, DType.F64, 1, 2, 3), Tensor.randn(4, DType.F64, 1, 1, 3)), 0),
                be.concat(List.of(Tensor.randn(3, DType.F64, 1, 2, 3), Tensor.randn(4, DType.F64, 1, 1, 3)), 0), 0, 0, "concat F64");
    }

    @Test
    void copiesAndInPlaceUpdates() {
        Backend be = backend();
        Tensor v = randn(21, 6, 8).transpose(0, 1);
        close(REF.copy(v), be.copy(v), 0, 0, "copy of transposed view");
        Tensor dstR = randn(22, 6, 8), dstC = REF.copy(dstR);
        Tensor src = randn(23, 4);
        REF.copyInto(dstR.narrow(0, 1, 3).narrow(1, 2, 4), src);
        be.copyInto(dstC.narrow(0, 1, 3).narrow(1, 2, 4), src);
        close(dstR, dstC, 0, 0, "copyInto a window (neighbours untouched)");
        REF.accumulate(dstR.transpose(0, 1), randn(24, 6));
        be.accumulate(dstC.transpose(0, 1), randn(24, 6));
        close(dstR, dstC, 1e-6, 1e-7, "accumulate into a transposed view");
        Tensor ir = Tensor.ofInts(new int[] {1, 2, 3}, 3), ic = Tensor.ofInts(new int[] {1, 2, 3}, 3);
        REF.accumulate(ir, Tensor.ofInts(new int[] {5}, 1));
        be.accumulate(ic, Tensor.ofInts(new int[] {5}, 1));
        close(ir, ic, 0, 0, "accumulate I32");
    }

    @Test
    void pinnedStorageStaysCoherent() {
        CudaBackend be = backend();
        Tensor w = randn(31, 16, 16);
        be.pin(w.storage());
        try {
            close(REF.unary(UnaryOp.EXP, w), be.unary(UnaryOp.EXP, w), 1e-5, 1e-6, "pinned read");
            be.accumulate(w.narrow(0, 0, 2), Tensor.full(DType.F32, 1, 16));
            close(REF.unary(UnaryOp.EXP, w), be.unary(UnaryOp.EXP, w), 1e-5, 1e-6, "after a write-through update");
            w.storage().f[0] = 42;
            be.invalidate(w.storage());
            close(REF.unary(UnaryOp.NEG, w), be.unary(UnaryOp.NEG, w), 0, 0, "after a host write and invalidate");
        } finally {
            be.release(w.storage());
        }
    }

    @Test
    void steadyStateMakesNoDeviceAllocations() {
        CudaBackend be = backend();
        Tensor a = randn(41, 128, 96), b = randn(42, 96, 64);
        be.matmul(a, b);
        be.softmax(a, -1);
        long allocs = be.allocatorStats().deviceAllocs();
        for (int i = 0; i < 10; i++) {
            be.matmul(a, b);
            be.softmax(a, -1);
        }
        org.junit.jupiter.api.Assertions.assertEquals(allocs, be.allocatorStats().deviceAllocs(), be.allocatorStats().toString());
    }
}
