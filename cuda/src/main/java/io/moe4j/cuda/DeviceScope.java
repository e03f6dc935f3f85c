package io.moe4j.cuda;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.Storage;
import io.moe4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * The device buffers of one op: inputs copied up, temporaries and outputs allocated, all handed
 * back to the caching allocator on {@link #close()} (after the results were copied down, which
 * synchronises). Ops are serialised by the backend, so one scope is live at a time.
 */
final class DeviceScope implements AutoCloseable {
    /** A tensor on the device: base pointer, element offset, logical shape and strides. */
    record Dev(CUdeviceptr base, int offset, int[] shape, int[] strides, DType dtype) {
        int numel() {
            return Shape.numel(shape);
        }

        boolean contiguous() {
            int s = 1;
            for (int k = shape.length - 1; k >= 0; k--) {
                if (shape[k] != 1 && strides[k] != s) return false;
                s *= shape[k];
            }
            return true;
        }

        /** The pointer to element 0 (only meaningful for contiguous kernels). */
        CUdeviceptr ptr() {
            return offset == 0 ? base : base.withByteOffset((long) offset * Layout.elemBytes(dtype));
        }
    }

    private final CudaContext ctx;
    private final ResidentCache resident;
    private final List<CachingAllocator.Block<CUdeviceptr>> blocks = new ArrayList<>();

    DeviceScope(CudaContext ctx, ResidentCache resident) {
        this.ctx = ctx;
        this.resident = resident;
        ctx.makeCurrent();
    }

    static Object array(Storage s) {
        return switch (s.dtype) {
            case F32 -> s.f;
            case F64 -> s.d;
            case I32 -> s.i;
            default -> throw new IllegalArgumentException(s.dtype + " has no host array");
        };
    }

    /** The view on the device: the resident copy, or its storage span copied up now. */
    Dev upload(Tensor t) {
        CUdeviceptr r = resident.device(t.storage());
        if (r != null) return new Dev(r, t.offset(), t.shape(), t.strides(), t.dtype());
        Layout.Span sp = Layout.span(t);
        CUdeviceptr p = alloc((long) sp.length() * Layout.elemBytes(t.dtype()));
        ctx.upload(array(t.storage()), t.dtype(), sp.start(), sp.length(), p);
        return new Dev(p, t.offset() - sp.start(), t.shape(), t.strides(), t.dtype());
    }

    /** A fresh contiguous device tensor (contents undefined). */
    Dev alloc(DType dtype, int[] shape) {
        return new Dev(alloc((long) Shape.numel(shape) * Layout.elemBytes(dtype)), 0, shape.clone(), Shape.contiguousStrides(shape), dtype);
    }

    CUdeviceptr alloc(long bytes) {
        CachingAllocator.Block<CUdeviceptr> b = ctx.alloc(bytes);
        blocks.add(b);
        return b.handle;
    }

    /** A small int array (batch offsets, expert offsets) copied up. */
    CUdeviceptr ints(int[] a) {
        CUdeviceptr p = alloc((long) Math.max(a.length, 1) * 4);
        ctx.upload(a, DType.I32, 0, a.length, p);
        return p;
    }

    /** The host int array a 1-D index tensor holds, copied up contiguous. */
    Dev upload(int[] data, int[] shape) {
        return new Dev(ints(data), 0, shape.clone(), Shape.contiguousStrides(shape), DType.I32);
    }

    /** {@code d} itself when contiguous, else a contiguous device copy. */
    Dev contiguous(Dev d) {
        if (d.contiguous()) return d;
        Dev out = alloc(d.dtype(), d.shape());
        move(d, out.base(), 0, out.strides());
        return out;
    }

    /** A contiguous device copy, always new (for ops that write into a copy of an input). */
    Dev copyOf(Dev d) {
        Dev out = alloc(d.dtype(), d.shape());
        move(d, out.base(), 0, out.strides());
        return out;
    }

    /** dst[dstOff + off(e)] = src[e] over src's shape, dst strides given. */
    void move(Dev src, CUdeviceptr dst, int dstOff, int[] dstStrides) {
        int n = src.numel();
        if (n == 0) return;
        Layout.Collapsed c = Layout.collapse(src.shape(), src.strides(), dstStrides);
        ctx.launch("move_" + Layout.widthSuffix(src.dtype()), Layout.blocks(n, 256), 1, 1, 256, 0,
                src.base(), src.offset(), Layout.strides(c.strides()[0]), dst, dstOff, Layout.strides(c.strides()[1]),
                Layout.dims(c.shape()), (long) n);
    }

    /** A new host tensor holding a contiguous device tensor. */
    Tensor download(Dev d) {
        Tensor out = Tensor.zeros(d.dtype(), d.shape());
        ctx.download(d.ptr(), array(out.storage()), d.dtype(), 0, d.numel());
        return out;
    }

    /** Copies the span of host view {@code t} back from its device image {@code d} (write-through). */
    void writeBack(Tensor t, Dev d) {
        Layout.Span sp = Layout.span(t);
        if (sp.length() == 0) return;
        int eb = Layout.elemBytes(t.dtype());
        CUdeviceptr from = d.base().withByteOffset((long) (d.offset() - t.offset() + sp.start()) * eb);
        ctx.download(from, array(t.storage()), t.dtype(), sp.start(), sp.length());
    }

    @Override
    public void close() {
        for (CachingAllocator.Block<CUdeviceptr> b : blocks) ctx.allocator.free(b);
        blocks.clear();
    }
}
