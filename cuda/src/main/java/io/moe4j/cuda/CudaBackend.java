package io.moe4j.cuda;

import io.moe4j.cuda.DeviceScope.Dev;
import io.moe4j.tensor.Backend;
import io.moe4j.tensor.BinaryOp;
import io.moe4j.tensor.Checks;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.ReduceOp;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Storage;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.UnaryOp;
import io.moe4j.tensor.cpu.CpuBackend;
import java.util.List;

/**
 * The {@link Backend} primitives on one CUDA device. Tensors stay host arrays (the tensor module
 * knows nothing of devices): each op copies the storage spans its inputs read to the device,
 * runs its kernels on one stream, and copies the result back into a new host tensor. Storages
 * pinned with {@link #pin(Storage)} skip the upload (see {@link ResidentCache} for the coherence
 * rules). Temporary device memory comes from a {@link CachingAllocator}, so steady-state ops make
 * no {@code cuMemAlloc} calls.
 *
 * <p>Ops are serialised (synchronized): there is one stream and one scope of buffers at a time.
 * Shapes that still have more than {@link Layout#MAX_DIMS} axes after collapsing run on the CPU
 * backend. Argument checks and their messages are those of {@link Checks}, as in every backend.
 */
public final class CudaBackend implements Backend {
    static final int THREADS = 256;
    private static volatile CudaBackend shared;

    final CudaContext ctx;
    final ResidentCache resident;
    final CudaGemm gemm;
    private final CudaIndexing indexing;
    private final Backend host = new CpuBackend();

    CudaBackend(CudaContext ctx) {
        this.ctx = ctx;
        this.resident = new ResidentCache(ctx);
        this.gemm = new CudaGemm(this);
        this.indexing = new CudaIndexing(this);
    }

    /** The process-wide backend on device 0 (created on first use; callers must check {@link CudaProbe} first). */
    public static CudaBackend shared() {
        CudaBackend b = shared;
        if (b == null) {
            synchronized (CudaBackend.class) {
                if (shared == null) {
                    if (!CudaProbe.available()) throw new IllegalStateException("cuda backend unavailable: " + CudaProbe.reason());
                    shared = new CudaBackend(new CudaContext());
                }
                b = shared;
            }
        }
        return b;
    }

    @Override
    public String name() {
        return "cuda";
    }

    DeviceScope scope() {
        return new DeviceScope(ctx, resident);
    }

    // ---------------------------------------------------------------- residency and diagnostics

    /** Keeps a copy of {@code s} on the device until {@link #release(Storage)}. */
    public synchronized void pin(Storage s) {
        ctx.makeCurrent();
        resident.pin(s);
    }

    /** Tells the backend that host code wrote a pinned storage's array directly. */
    public synchronized void invalidate(Storage s) {
        resident.invalidate(s);
    }

    public synchronized void release(Storage s) {
        ctx.makeCurrent();
        resident.release(s);
    }

    public CachingAllocator.Stats allocatorStats() {
        return ctx.allocator.stats();
    }

    /** The GEMM path FP32 matmul takes, e.g. "cublas", "fp32", "tf32", "bf16". */
    public String gemmPath() {
        return gemm.path().name().toLowerCase();
    }

    /** GPU milliseconds of the work {@code ops} queues on the backend's stream (CUDA events). */
    public synchronized float timeMs(Runnable ops) {
        ctx.makeCurrent();
        return ctx.time(ops);
    }

    public CudaFused fused() {
        return new CudaFused(this);
    }

    // ---------------------------------------------------------------- element-wise

    @Override
    public synchronized Tensor unary(UnaryOp op, Tensor a) {
        Checks.floating(op.name().toLowerCase(), a);
        if (a.numel() == 0) return Tensor.zeros(a.dtype(), a.shape());
        Layout.Collapsed c = Layout.collapse(a.shape(), a.strides());
        if (c.rank() > Layout.MAX_DIMS) return host.unary(op, a);
        try (DeviceScope s = scope()) {
            Dev da = s.upload(a), out = s.alloc(a.dtype(), a.shape());
            int n = a.numel();
            ctx.launch("unary_" + Layout.suffix(a.dtype()), Layout.blocks(n, THREADS), 1, 1, THREADS, 0, op.ordinal(),
                    da.base(), da.offset(), Layout.strides(c.strides()[0]), Layout.dims(c.shape()), out.base(), (long) n);
            return s.download(out);
        }
    }

    @Override
    public synchronized Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        Checks.sameDType(name, a, b);
        Checks.floating(name, a);
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        if (Shape.numel(shape) == 0) return Tensor.zeros(a.dtype(), shape);
        Tensor ea = a.expand(shape), eb = b.expand(shape);
        Layout.Collapsed c = Layout.collapse(shape, ea.strides(), eb.strides());
        if (c.rank() > Layout.MAX_DIMS) return host.binary(op, a, b);
        try (DeviceScope s = scope()) {
            Dev da = s.upload(ea), db = s.upload(eb), out = s.alloc(a.dtype(), shape);
            int n = Shape.numel(shape);
            ctx.launch("binary_" + Layout.suffix(a.dtype()), Layout.blocks(n, THREADS), 1, 1, THREADS, 0, op.ordinal(),
                    da.base(), da.offset(), Layout.strides(c.strides()[0]), db.base(), db.offset(), Layout.strides(c.strides()[1]),
                    Layout.dims(c.shape()), out.base(), (long) n);
            return s.download(out);
        }
    }

    @Override
    public synchronized Tensor where(Tensor cond, Tensor a, Tensor b) {
        Checks.sameDType("where", a, b);
        int[] shape = Shape.broadcast("where", cond.shape(), a.shape(), b.shape());
        if (Shape.numel(shape) == 0 || !a.dtype().isFloating()) return host.where(cond, a, b);
        Tensor ec = cond.expand(shape), ea = a.expand(shape), eb = b.expand(shape);
        Layout.Collapsed c = Layout.collapse(shape, ec.strides(), ea.strides(), eb.strides());
        if (c.rank() > Layout.MAX_DIMS) return host.where(cond, a, b);
        try (DeviceScope s = scope()) {
            Dev dc = s.upload(ec), da = s.upload(ea), db = s.upload(eb), out = s.alloc(a.dtype(), shape);
            int n = Shape.numel(shape);
            ctx.launch("where_" + Layout.suffix(a.dtype()) + "_" + Layout.suffix(cond.dtype()), Layout.blocks(n, THREADS), 1, 1, THREADS, 0,
                    dc.base(), dc.offset(), Layout.strides(c.strides()[0]), da.base(), da.offset(), Layout.strides(c.strides()[1]),
                    db.base(), db.offset(), Layout.strides(c.strides()[2]), Layout.dims(c.shape()), out.base(), (long) n);
            return s.download(out);
        }
    }

    @Override
    public synchronized Tensor affine(Tensor a, double scale, double shift) {
        Checks.floating("affine", a);
        if (a.numel() == 0) return Tensor.zeros(a.dtype(), a.shape());
        Layout.Collapsed c = Layout.collapse(a.shape(), a.strides());
        if (c.rank() > Layout.MAX_DIMS) return host.affine(a, scale, shift);
        boolean f32 = a.dtype() == DType.F32;
        try (DeviceScope s = scope()) {
            Dev da = s.upload(a), out = s.alloc(a.dtype(), a.shape());
            int n = a.numel();
            ctx.launch("affine_" + Layout.suffix(a.dtype()), Layout.blocks(n, THREADS), 1, 1, THREADS, 0, da.base(), da.offset(),
                    Layout.strides(c.strides()[0]), Layout.dims(c.shape()), f32 ? (Object) (float) scale : (Object) scale,
                    f32 ? (Object) (float) shift : (Object) shift, out.base(), (long) n);
            return s.download(out);
        }
    }

    // ---------------------------------------------------------------- reductions and softmax

    @Override
    public synchronized Tensor reduce(ReduceOp op, Tensor a, int axis, boolean keepDims) {
        String name = "reduce " + op.name().toLowerCase();
        Checks.floating(name, a);
        int ax = Shape.axis(name, axis, a.rank());
        int n = a.size(ax);
        if (n == 0 && (op == ReduceOp.MAX || op == ReduceOp.MIN))
            throw ShapeException.of(name, "cannot take " + op + " over an empty axis " + ax, a.shape());
        int[] outShape = Shape.reduced(a.shape(), ax, keepDims);
        if (a.numel() == 0) return host.reduce(op, a, axis, keepDims); // empty: SUM 0, MEAN NaN, no kernel needed
        int[] l = Layout.around(a.shape(), ax);
        try (DeviceScope s = scope()) {
            Dev da = s.contiguous(s.upload(a)), out = s.alloc(a.dtype(), outShape);
            String sfx = Layout.suffix(a.dtype());
            if (l[2] == 1 && n >= 32)
                ctx.launch("reduce_rows_" + sfx, Math.min(l[0], Layout.MAX_BLOCKS), 1, 1, THREADS, 0, op.ordinal(), da.ptr(), out.base(), l[0], n);
            else
                ctx.launch("reduce_cols_" + sfx, Layout.blocks((long) l[0] * l[2], THREADS), 1, 1, THREADS, 0, op.ordinal(), da.ptr(), out.base(),
                        l[0], n, l[2]);
            return s.download(out);
        }
    }

    @Override
    public synchronized Tensor argmax(Tensor a, int axis, boolean keepDims) {
        int ax = Shape.axis("argmax", axis, a.rank());
        int n = a.size(ax);
        if (n == 0) throw ShapeException.of("argmax", "empty axis " + ax, a.shape());
        int[] outShape = Shape.reduced(a.shape(), ax, keepDims);
        if (a.numel() == 0) return Tensor.zeros(DType.I32, outShape);
        int[] l = Layout.around(a.shape(), ax);
        try (DeviceScope s = scope()) {
            Dev da = s.contiguous(s.upload(a)), out = s.alloc(DType.I32, outShape);
            String sfx = Layout.suffix(a.dtype());
            if (l[2] == 1 && n >= 32)
                ctx.launch("argmax_rows_" + sfx, Math.min(l[0], Layout.MAX_BLOCKS), 1, 1, THREADS, 0, da.ptr(), out.base(), l[0], n);
            else
                ctx.launch("argmax_cols_" + sfx, Layout.blocks((long) l[0] * l[2], THREADS), 1, 1, THREADS, 0, da.ptr(), out.base(), l[0], n, l[2]);
            return s.download(out);
        }
    }

    @Override
    public synchronized Tensor softmax(Tensor a, int axis) {
        return softmaxImpl(a, axis, false);
    }

    @Override
    public synchronized Tensor logSoftmax(Tensor a, int axis) {
        return softmaxImpl(a, axis, true);
    }

    private Tensor softmaxImpl(Tensor a, int axis, boolean log) {
        String name = log ? "logSoftmax" : "softmax";
        Checks.floating(name, a);
        int ax = Shape.axis(name, axis, a.rank());
        if (a.numel() == 0) return Tensor.zeros(a.dtype(), a.shape());
        int[] l = Layout.around(a.shape(), ax);
        try (DeviceScope s = scope()) {
            Dev da = s.contiguous(s.upload(a)), out = s.alloc(a.dtype(), a.shape());
            long lines = (long) l[0] * l[2];
            ctx.launch("softmax_" + Layout.suffix(a.dtype()), (int) Math.min(lines, Layout.MAX_BLOCKS), 1, 1, Layout.threadsFor(l[1], THREADS), 0,
                    da.ptr(), out.base(), l[0], l[1], l[2], log ? 1 : 0);
            return s.download(out);
        }
    }

    // ---------------------------------------------------------------- linear algebra and indexing

    @Override
    public synchronized Tensor matmul(Tensor a, Tensor b) {
        return gemm.matmul(a, b, gemm.path());
    }

    @Override
    public synchronized Tensor gather(Tensor src, int axis, Tensor index) {
        return indexing.gather(src, axis, index);
    }

    @Override
    public synchronized Tensor scatterAdd(Tensor self, int axis, Tensor index, Tensor src) {
        return indexing.scatterAdd(self, axis, index, src);
    }

    @Override
    public synchronized Tensor indexSelect(Tensor src, int axis, Tensor index) {
        return indexing.indexSelect(src, axis, index);
    }

    @Override
    public synchronized Tensor indexAdd(Tensor self, int axis, Tensor index, Tensor src) {
        return indexing.indexAdd(self, axis, index, src);
    }

    @Override
    public synchronized Tensor concat(List<Tensor> parts, int axis) {
        return indexing.concat(parts, axis);
    }

    // ---------------------------------------------------------------- copies

    @Override
    public synchronized Tensor copy(Tensor a) {
        if (a.numel() == 0 || Layout.collapse(a.shape(), a.strides()).rank() > Layout.MAX_DIMS) return host.copy(a);
        try (DeviceScope s = scope()) {
            return s.download(s.copyOf(s.upload(a)));
        }
    }

    @Override
    public synchronized void copyInto(Tensor dst, Tensor src) {
        Tensor es = src.expand(dst.shape());
        if (dst.numel() == 0 || Layout.collapse(dst.shape(), dst.strides(), es.strides()).rank() > Layout.MAX_DIMS) {
            host.copyInto(dst, src);
            resident.invalidate(dst.storage());
            return;
        }
        try (DeviceScope s = scope()) {
            Dev dd = s.upload(dst), ds = s.upload(es);
            s.move(ds, dd.base(), dd.offset(), dd.strides());
            s.writeBack(dst, dd);
        }
    }

    @Override
    public synchronized void accumulate(Tensor dst, Tensor src) {
        Checks.sameDType("accumulate", dst, src);
        Tensor es = src.expand(dst.shape());
        Layout.Collapsed c = Layout.collapse(dst.shape(), es.strides(), dst.strides());
        if (dst.numel() == 0 || c.rank() > Layout.MAX_DIMS) {
            host.accumulate(dst, src);
            resident.invalidate(dst.storage());
            return;
        }
        int n = dst.numel();
        try (DeviceScope s = scope()) {
            Dev dd = s.upload(dst), ds = s.upload(es);
            ctx.launch("accumulate_" + Layout.suffix(dst.dtype()), Layout.blocks(n, THREADS), 1, 1, THREADS, 0, ds.base(), ds.offset(),
                    Layout.strides(c.strides()[0]), dd.base(), dd.offset(), Layout.strides(c.strides()[1]), Layout.dims(c.shape()), (long) n);
            s.writeBack(dst, dd);
        }
    }
}
