package io.moe4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.tensor.BinaryOp;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.ReduceOp;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.UnaryOp;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every op's launch code on a machine without a GPU, through a context that checks each launch
 * against the committed PTX (kernel exists, argument sizes match the parameters, grid in range)
 * instead of running it. Results are not computed here (the GPU tests compare them with the
 * reference backend); this catches wrong kernel names, argument lists, host copy ranges, and
 * device buffers not handed back to the allocator.
 */
class DryRunOpsTest {
    CudaContext ctx;
    CudaBackend be;

    @BeforeEach
    void setUp() {
        ctx = CudaContext.dryRun();
        be = new CudaBackend(ctx);
    }

    static Tensor t(DType d, int... shape) {
        return Tensor.randn(1, DType.F32, 1, shape).to(d);
    }

    /** Runs an op and returns the kernels it launched; no device block may stay allocated. */
    List<String> launches(Runnable op) {
        ctx.launched.clear();
        op.run();
        assertEquals(0, ctx.allocator.liveBlocks(), "device blocks leaked by the op");
        return List.copyOf(ctx.launched);
    }

    @Test
    void elementwiseOpsOnViewsAndBothFloatTypes() {
        for (DType d : new DType[] {DType.F32, DType.F64}) {
            Tensor a = t(d, 4, 6, 5).transpose(0, 2), b = t(d, 6, 1);
            String s = d == DType.F32 ? "f32" : "f64";
            for (UnaryOp op : UnaryOp.values()) assertEquals(List.of("unary_" + s), launches(() -> be.unary(op, a)));
            for (BinaryOp op : BinaryOp.values()) assertEquals(List.of("binary_" + s), launches(() -> be.binary(op, a, b)));
            assertEquals(List.of("affine_" + s), launches(() -> be.affine(a, 2, 3)));
            for (DType c : new DType[] {DType.F32, DType.F64, DType.I32})
                assertEquals(List.of("where_" + s + "_" + c.name().toLowerCase()), launches(() -> be.where(t(c, 5, 1, 1), a, b)));
        }
    }

    @Test
    void reductionsPickRowsOrColumns() {
        Tensor a = t(DType.F32, 3, 40, 2);
        assertEquals(List.of("move_b4", "reduce_cols_f32"), launches(() -> be.reduce(ReduceOp.SUM, a.transpose(0, 1), 1, false)));
        assertEquals(List.of("reduce_rows_f32"), launches(() -> be.reduce(ReduceOp.MAX, t(DType.F32, 3, 40), 1, true)));
        assertEquals(List.of("reduce_cols_f64"), launches(() -> be.reduce(ReduceOp.MEAN, t(DType.F64, 3, 40), 0, false)));
        assertEquals(List.of("argmax_rows_i32"), launches(() -> be.argmax(t(DType.I32, 3, 40), -1, false)));
        assertEquals(List.of("argmax_cols_f32"), launches(() -> be.argmax(a, 1, false)));
        assertEquals(List.of("softmax_f32"), launches(() -> be.softmax(a, 1)));
        assertEquals(List.of("softmax_f64"), launches(() -> be.logSoftmax(t(DType.F64, 2, 3), 0)));
    }

    @Test
    void matmulPathsAndBatchBroadcast() {
        Tensor a = t(DType.F32, 2, 1, 5, 7), b = t(DType.F32, 3, 9, 7).transpose(-1, -2);
        for (GemmPath p : new GemmPath[] {GemmPath.FP32, GemmPath.TF32, GemmPath.BF16})
            assertEquals(List.of(p.kernel), launches(() -> be.gemm.matmul(a, b, p)));
        assertEquals(List.of("gemm_tiled_f32"), launches(() -> be.gemm.matmul(a, b, GemmPath.CUBLAS)), "no cuBLAS here: own kernel");
        assertEquals(List.of("gemm_tiled_f64"), launches(() -> be.matmul(t(DType.F64, 5, 7), t(DType.F64, 7, 2))));
        assertEquals(List.of("gemm_tiled_f32"), launches(() -> be.matmul(t(DType.F32, 4, 0), t(DType.F32, 0, 3))), "K = 0 gives zeros");
    }

    @Test
    void indexingCopiesAndInPlaceOps() {
        Tensor src = t(DType.F32, 4, 5);
        Tensor idx = Tensor.ofInts(new int[] {0, 3, 1, 1, 2, 0}, 3, 2);
        assertEquals(List.of("gather_b4"), launches(() -> be.gather(src, 1, idx)));
        assertEquals(List.of("move_b4", "scatter_add_f32"), launches(() -> be.scatterAdd(src, 1, idx, t(DType.F32, 3, 2))));
        Tensor rows = Tensor.ofInts(new int[] {3, 0, 3}, 3);
        assertEquals(List.of("index_select_b8"), launches(() -> be.indexSelect(t(DType.F64, 4, 5), 0, rows)));
        assertEquals(List.of("move_b4", "index_add_i32"), launches(() -> be.indexAdd(t(DType.I32, 4, 5), 0, rows, t(DType.I32, 3, 5))));
        assertEquals(List.of("move_b4", "move_b4"), launches(() -> be.concat(List.of(src, src.narrow(1, 1, 2)), 1)));
        assertEquals(List.of("move_b4"), launches(() -> be.copy(src.transpose(0, 1))));
        Tensor big = t(DType.F32, 6, 8);
        assertEquals(List.of("move_b4"), launches(() -> be.copyInto(big.narrow(0, 2, 3).narrow(1, 1, 4), t(DType.F32, 4))));
        assertEquals(List.of("accumulate_f32"), launches(() -> be.accumulate(big.transpose(0, 1), t(DType.F32, 6))));
    }

    @Test
    void badIndicesFailOnTheHostWithTheReferenceMessage() {
        Tensor src = t(DType.F32, 4, 5);
        var e = assertThrows(io.moe4j.tensor.ShapeException.class, () -> be.indexSelect(src, 0, Tensor.ofInts(new int[] {4}, 1)));
        assertTrue(e.getMessage().contains("index 4 out of range [0, 4)"), e.getMessage());
        assertEquals(0, ctx.allocator.liveBlocks());
    }

    @Test
    void fusedOps() {
        CudaFused f = be.fused();
        Tensor x = t(DType.F32, 2, 3, 16), w = t(DType.F32, 16);
        Tensor[] y = f.rmsNorm(x, w, 1e-5);
        assertEquals(List.of("rmsnorm_bwd_f32"), launches(() -> f.rmsNormBackward(x, w, y[1], x)));
        Tensor q = t(DType.F32, 1, 4, 5, 8), kv = t(DType.F32, 1, 2, 5, 8);
        Tensor[] tab = CudaFused.ropeTables(5, 8, 10000, 0);
        assertEquals(List.of("move_b4", "rope_f32"), launches(() -> f.rope(q.transpose(1, 2), tab[0], tab[1], true)), "a view is made contiguous first");
        assertEquals(List.of("swiglu_bwd_f32"), launches(() -> f.swigluBackward(x, x, x)));
        Tensor logits = t(DType.F32, 4, 10), tg = Tensor.ofInts(new int[] {1, -100, 9, 0}, 4);
        Tensor[] ce = f.crossEntropy(logits, tg);
        assertEquals(List.of("xent_bwd_f32"), launches(() -> f.crossEntropyBackward(logits, tg, ce[1], Tensor.full(DType.F32, 0.25, 4))));
        Tensor p = t(DType.F32, 10), g = t(DType.F32, 10), m = t(DType.F32, 10), v = Tensor.zeros(DType.F32, 10);
        assertEquals(List.of("adamw_f32"), launches(() -> f.adamw(p, g, m, v, 1e-3, 0.9, 0.95, 1e-8, 0.1, 1)));
        Tensor[] att = f.attention(q, kv, kv, 0.35);
        assertEquals(List.of("attn_bwd_delta_f32", "attn_bwd_dq_f32", "attn_bwd_dkdv_f32"),
                launches(() -> f.attentionBackward(q, kv, kv, att[0], att[1], q, 0.35)));
        MoeDispatch plan = MoeDispatch.plan(new int[] {1, 0, 2, 1}, 3);
        assertEquals(List.of("index_select_b4"), launches(() -> f.moePermute(t(DType.F32, 2, 6), plan, 2)));
        assertEquals(List.of("grouped_gemm_f32"), launches(() -> f.groupedMatmul(t(DType.F32, 4, 6), t(DType.F32, 3, 6, 5), plan)));
        assertEquals(List.of("move_b4", "moe_combine_f32"),
                launches(() -> f.moeCombine(t(DType.F32, 2, 5), t(DType.F32, 4, 5), new int[] {0, 0, 1, 1}, t(DType.F32, 4))));
    }

    @Test
    void fusedShapeErrorsAreNamed() {
        CudaFused f = be.fused();
        var e = assertThrows(io.moe4j.tensor.ShapeException.class, () -> f.attention(t(DType.F32, 1, 3, 5, 8), t(DType.F32, 1, 2, 5, 8), t(DType.F32, 1, 2, 5, 8), 1));
        assertTrue(e.getMessage().contains("multiple of Hkv"), e.getMessage());
    }

    @Test
    void steadyStateOpsReuseCachedBlocks() {
        Tensor a = t(DType.F32, 64, 64), b = t(DType.F32, 64, 64);
        be.matmul(a, b);
        long allocs = be.allocatorStats().deviceAllocs();
        for (int i = 0; i < 20; i++) be.matmul(a, b);
        assertEquals(allocs, be.allocatorStats().deviceAllocs(), "no device allocation after the first op");
    }

    @Test
    void pinnedStorageIsNotUploadedPerOpAndReleases() {
        Tensor w = t(DType.F32, 8, 8);
        be.unary(UnaryOp.EXP, w);
        assertEquals(64 * 4, ctx.uploadedBytes, "unpinned: the span goes up with the op");
        be.pin(w.storage());
        long up = ctx.uploadedBytes;
        for (int i = 0; i < 3; i++) be.unary(UnaryOp.EXP, w.narrow(0, 1, 2));
        assertEquals(up, ctx.uploadedBytes, "pinned: no upload per op");
        be.invalidate(w.storage());
        be.unary(UnaryOp.EXP, w);
        assertEquals(up + 64 * 4, ctx.uploadedBytes, "invalidated: uploaded once more");
        assertEquals(1, be.allocatorStats().liveBlocks(), "only the pinned copy stays");
        be.release(w.storage());
        assertEquals(0, be.allocatorStats().liveBlocks());
    }

    @Test
    void inPlaceOpsWriteBackOnlyTheViewsSpan() {
        Tensor big = t(DType.F32, 10, 10);
        long down = ctx.downloadedBytes;
        be.accumulate(big.narrow(0, 2, 3), t(DType.F32, 10));
        assertEquals(down + 30 * 4, ctx.downloadedBytes);
    }
}
