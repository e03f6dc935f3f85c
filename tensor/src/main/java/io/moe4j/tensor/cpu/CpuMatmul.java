package io.moe4j.tensor.cpu;

import io.moe4j.tensor.Checks;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Strided;
import io.moe4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Maps a batched, possibly transposed matmul of strided views onto {@link Gemm#sgemm}. A matrix
 * whose last two strides are (ld, 1) is passed as is, one with strides (1, ld) as transposed, and
 * only other layouts are copied. A contiguous [..., M, K] times a 2-D [K, N] folds the batch into
 * M, so a Linear layer over (B, T, C) is one GEMM.
 */
final class CpuMatmul {
    private CpuMatmul() {}

    /** How one operand matrix of r x c is handed to GEMM; null when it must be copied first. */
    private record Layout(boolean trans, int ld) {
        static Layout of(int rows, int cols, int rowStride, int colStride) {
            if (colStride == 1 && rowStride >= cols) return new Layout(false, rowStride);
            if (rowStride == 1 && colStride >= rows) return new Layout(true, colStride);
            if (rows == 1 && colStride == 1) return new Layout(false, cols);
            if (cols == 1 && rowStride == 1) return new Layout(true, rows);
            return null;
        }
    }

    static Tensor matmul(Tensor a, Tensor b) {
        int[] outShape = Checks.matmulShape(a, b);
        int r = outShape.length;
        int m = outShape[r - 2], n = outShape[r - 1], k = a.size(-1);
        Tensor out = Tensor.zeros(DType.F32, outShape);
        if (out.numel() == 0) return out;
        if (b.rank() == 2 && a.isContiguous()) { // fold batch into M
            int rows = a.numel() / Math.max(k, 1);
            if (k == 0) return out;
            Layout lb = layout(b);
            Tensor bb = lb == null ? b.contiguous() : b;
            if (lb == null) lb = layout(bb);
            Gemm.sgemm(false, lb.trans, rows, n, k, 1f, a.storage().f, a.offset(), k,
                    bb.storage().f, bb.offset(), lb.ld, 0f, out.storage().f, 0, n);
            return out;
        }
        int[] batch = Arrays.copyOf(outShape, r - 2);
        Tensor ab = a.expand(withMatrix(batch, m, k)), bb = b.expand(withMatrix(batch, k, n));
        int[] aBase = Strided.offsets(batch, Arrays.copyOf(ab.strides(), r - 2), ab.offset());
        int[] bBase = Strided.offsets(batch, Arrays.copyOf(bb.strides(), r - 2), bb.offset());
        Layout la = layout(ab), lb = layout(bb);
        for (int bi = 0; bi < aBase.length; bi++) {
            float[] af = ab.storage().f, bf = bb.storage().f;
            int ao = aBase[bi], bo = bBase[bi];
            Layout xa = la, xb = lb;
            if (xa == null) { // copy this batch's A into a dense matrix
                Tensor t = matrixAt(ab, bi, batch).contiguous();
                af = t.storage().f; ao = t.offset(); xa = new Layout(false, Math.max(k, 1));
            }
            if (xb == null) {
                Tensor t = matrixAt(bb, bi, batch).contiguous();
                bf = t.storage().f; bo = t.offset(); xb = new Layout(false, Math.max(n, 1));
            }
            Gemm.sgemm(xa.trans, xb.trans, m, n, k, 1f, af, ao, xa.ld, bf, bo, xb.ld, 0f, out.storage().f, bi * m * n, n);
        }
        return out;
    }

    private static Layout layout(Tensor t) {
        int[] s = t.strides();
        int rr = t.rank();
        return Layout.of(t.size(rr - 2), t.size(rr - 1), s[rr - 2], s[rr - 1]);
    }

    private static Tensor matrixAt(Tensor t, int flatBatch, int[] batch) {
        Tensor x = t;
        int[] pos = new int[batch.length];
        for (int k = batch.length - 1, e = flatBatch; k >= 0; k--) { pos[k] = e % batch[k]; e /= batch[k]; }
        for (int k = 0; k < batch.length; k++) x = x.select(0, pos[k]);
        return x;
    }

    private static int[] withMatrix(int[] batch, int x, int y) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = x;
        s[batch.length + 1] = y;
        return s;
    }
}
