package io.moe4j.cuda;

import io.moe4j.cuda.DeviceScope.Dev;
import io.moe4j.tensor.Checks;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Tensor;
import java.util.List;

/**
 * gather, scatterAdd, indexSelect, indexAdd and concat for {@link CudaBackend}. Indices are host
 * data, so they are range-checked on the host with the reference backend's messages before any
 * kernel runs; the kernels then trust them.
 */
final class CudaIndexing {
    private final CudaBackend be;
    private final CudaContext ctx;

    CudaIndexing(CudaBackend be) {
        this.be = be;
        this.ctx = be.ctx;
    }

    /** The index values as a row-major int array, each checked against {@code bound}. */
    static int[] checkedIndices(String op, Tensor index, int bound) {
        int[] v = index.toIntArray();
        for (int x : v) Checks.checkedIndex(op, x, bound);
        return v;
    }

    Tensor gather(Tensor src, int axis, Tensor index) {
        int ax = Shape.axis("gather", axis, src.rank());
        Checks.gatherShapes("gather", src, ax, index);
        int[] idx = checkedIndices("gather", index, src.size(ax));
        if (index.numel() == 0 || src.rank() > Layout.MAX_DIMS) return new io.moe4j.tensor.ReferenceBackend().gather(src, axis, index);
        try (DeviceScope s = be.scope()) {
            Dev ds = s.contiguous(s.upload(src)), di = s.upload(idx, index.shape()), out = s.alloc(src.dtype(), index.shape());
            int n = index.numel();
            ctx.launch("gather_" + Layout.widthSuffix(src.dtype()), Layout.blocks(n, CudaBackend.THREADS), 1, 1, CudaBackend.THREADS, 0,
                    ds.ptr(), Layout.strides(ds.strides()), di.base(), Layout.dims(index.shape()), ax, out.base(), (long) n);
            return s.download(out);
        }
    }

    Tensor scatterAdd(Tensor self, int axis, Tensor index, Tensor src) {
        int ax = Shape.axis("scatterAdd", axis, self.rank());
        Checks.gatherShapes("scatterAdd", self, ax, index);
        Checks.sameDType("scatterAdd", self, src);
        if (!index.sameShape(src)) throw ShapeException.of("scatterAdd", "index and src must have one shape", index.shape(), src.shape());
        int[] idx = checkedIndices("scatterAdd", index, self.size(ax));
        if (self.rank() > Layout.MAX_DIMS) return new io.moe4j.tensor.ReferenceBackend().scatterAdd(self, axis, index, src);
        try (DeviceScope s = be.scope()) {
            Dev out = s.copyOf(s.upload(self));
            int n = index.numel();
            if (n > 0) {
                Dev di = s.upload(idx, index.shape()), dsrc = s.contiguous(s.upload(src));
                ctx.launch("scatter_add_" + Layout.suffix(self.dtype()), Layout.blocks(n, CudaBackend.THREADS), 1, 1, CudaBackend.THREADS, 0,
                        out.base(), Layout.strides(out.strides()), di.base(), dsrc.ptr(), Layout.dims(index.shape()), ax, (long) n);
            }
            return s.download(out);
        }
    }

    Tensor indexSelect(Tensor src, int axis, Tensor index) {
        int ax = Shape.axis("indexSelect", axis, src.rank());
        Checks.index("indexSelect", index);
        if (index.rank() != 1) throw ShapeException.of("indexSelect", "index must be 1-D", index.shape());
        int[] idx = checkedIndices("indexSelect", index, src.size(ax));
        int[] shape = src.shape();
        shape[ax] = idx.length;
        if (Shape.numel(shape) == 0) return Tensor.zeros(src.dtype(), shape);
        int[] l = Layout.around(src.shape(), ax);
        try (DeviceScope s = be.scope()) {
            Dev ds = s.contiguous(s.upload(src)), out = s.alloc(src.dtype(), shape);
            long total = (long) l[0] * idx.length * l[2];
            ctx.launch("index_select_" + Layout.widthSuffix(src.dtype()), Layout.blocks(total, CudaBackend.THREADS), 1, 1, CudaBackend.THREADS, 0,
                    ds.ptr(), s.ints(idx), out.base(), l[0], l[1], idx.length, l[2]);
            return s.download(out);
        }
    }

    Tensor indexAdd(Tensor self, int axis, Tensor index, Tensor src) {
        int ax = Shape.axis("indexAdd", axis, self.rank());
        Checks.index("indexAdd", index);
        Checks.sameDType("indexAdd", self, src);
        if (index.rank() != 1 || src.size(ax) != index.size(0))
            throw ShapeException.of("indexAdd", "index must be 1-D with one entry per source slice", index.shape(), src.shape());
        int[] idx = checkedIndices("indexAdd", index, self.size(ax));
        int[] srcShape = self.shape();
        srcShape[ax] = idx.length;
        Tensor es = src.expand(srcShape); // the reference broadcasts each source slice onto its target slice
        int[] l = Layout.around(self.shape(), ax);
        try (DeviceScope s = be.scope()) {
            Dev out = s.copyOf(s.upload(self));
            long total = (long) l[0] * idx.length * l[2];
            if (total > 0) {
                Dev dsrc = s.contiguous(s.upload(es));
                ctx.launch("index_add_" + Layout.suffix(self.dtype()), Layout.blocks(total, CudaBackend.THREADS), 1, 1, CudaBackend.THREADS, 0,
                        out.base(), s.ints(idx), dsrc.ptr(), l[0], l[1], idx.length, l[2]);
            }
            return s.download(out);
        }
    }

    Tensor concat(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) throw new ShapeException("concat: no tensors given");
        Tensor first = parts.get(0);
        int ax = Shape.axis("concat", axis, first.rank());
        int[] shape = first.shape();
        int total = 0;
        for (Tensor t : parts) {
            Checks.sameDType("concat", first, t);
            int[] sh = t.shape();
            if (sh.length != shape.length) throw ShapeException.of("concat", "ranks differ", shape, sh);
            for (int k = 0; k < sh.length; k++)
                if (k != ax && sh[k] != shape[k]) throw ShapeException.of("concat", "sizes differ off axis " + ax, shape, sh);
            total += sh[ax];
        }
        shape[ax] = total;
        DType dt = first.dtype();
        if (Shape.numel(shape) == 0) return Tensor.zeros(dt, shape);
        try (DeviceScope s = be.scope()) {
            Dev out = s.alloc(dt, shape);
            int start = 0;
            for (Tensor t : parts) {
                if (t.numel() > 0) s.move(s.upload(t), out.base(), start * out.strides()[ax], out.strides());
                start += t.size(ax);
            }
            return s.download(out);
        }
    }
}
