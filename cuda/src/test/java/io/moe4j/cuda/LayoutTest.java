package io.moe4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.Strided;
import io.moe4j.tensor.Tensor;
import java.util.Arrays;
import net.jqwik.api.*;
import org.junit.jupiter.api.Test;

/**
 * The launch arithmetic the kernels rely on, checked against the tensor module's own walk of
 * strided views ({@link Strided#offsets}), which is independent of this module.
 */
class LayoutTest {

    @Provide
    Arbitrary<Tensor> views() {
        Arbitrary<int[]> shapes = Arbitraries.of(1, 2, 3, 5, 8).array(int[].class).ofMinSize(0).ofMaxSize(5);
        return Combinators.combine(shapes, Arbitraries.integers().between(0, 5), Arbitraries.longs()).as(LayoutTest::view);
    }

    /** A view of the given shape made by one of several view operations. */
    static Tensor view(int[] shape, int kind, long seed) {
        int r = shape.length;
        Tensor base;
        switch (kind) {
            case 1 -> { // permuted storage
                if (r < 2) return Tensor.zeros(DType.F32, shape);
                int[] rev = new int[r];
                for (int k = 0; k < r; k++) rev[k] = shape[r - 1 - k];
                int[] perm = new int[r];
                for (int k = 0; k < r; k++) perm[k] = r - 1 - k;
                return Tensor.zeros(DType.F32, rev).permute(perm);
            }
            case 2 -> { // narrowed out of a bigger tensor on every axis
                int[] big = shape.clone();
                for (int k = 0; k < r; k++) big[k] += 2;
                base = Tensor.zeros(DType.F32, big);
                for (int k = 0; k < r; k++) base = base.narrow(k, 1, shape[k]);
                return base;
            }
            case 3 -> { // broadcast: size-1 axes expanded
                int[] small = shape.clone();
                for (int k = 0; k < r; k += 2) small[k] = 1;
                return Tensor.zeros(DType.F32, small).expand(shape);
            }
            case 4 -> { // a column slice of a matrix view, then reshaped leading axes
                int[] big = shape.clone();
                if (r > 0) big[r - 1] = shape[r - 1] * 2;
                base = Tensor.zeros(DType.F32, big);
                return r > 0 ? base.narrow(r - 1, (int) Math.floorMod(seed, shape[r - 1] + 1), shape[r - 1]) : base;
            }
            default -> {
                return Tensor.zeros(DType.F32, shape);
            }
        }
    }

    @Property(tries = 300)
    void collapsePreservesEveryOperandsOffsets(@ForAll("views") Tensor a, @ForAll("views") Tensor b) {
        int[] shape = a.shape();
        Tensor bb = Arrays.equals(b.shape(), shape) ? b : Tensor.zeros(DType.F32, shape).permute(identity(shape.length));
        Layout.Collapsed c = Layout.collapse(shape, a.strides(), bb.strides());
        assertTrue(c.rank() <= Math.max(1, shape.length));
        assertEquals(Shape.numel(shape), Shape.numel(c.shape()));
        assertArrayEquals(Strided.offsets(a), Strided.offsets(c.shape(), c.strides()[0], a.offset()));
        assertArrayEquals(Strided.offsets(bb), Strided.offsets(c.shape(), c.strides()[1], bb.offset()));
    }

    private static int[] identity(int r) {
        int[] p = new int[r];
        for (int k = 0; k < r; k++) p[k] = k;
        return p;
    }

    @Property(tries = 300)
    void spanIsTheTightestRangeHoldingEveryElement(@ForAll("views") Tensor a) {
        Layout.Span s = Layout.span(a);
        int[] offs = Strided.offsets(a);
        int lo = Arrays.stream(offs).min().orElseThrow(), hi = Arrays.stream(offs).max().orElseThrow();
        assertEquals(lo, s.start());
        assertEquals(hi - lo + 1, s.length());
        assertTrue(s.start() + s.length() <= a.storage().size());
    }

    @Test
    void contiguousTensorCollapsesToOneAxis() {
        Layout.Collapsed c = Layout.collapse(new int[] {2, 3, 4}, new int[] {12, 4, 1});
        assertArrayEquals(new int[] {24}, c.shape());
        assertArrayEquals(new int[] {1}, c.strides()[0]);
    }

    @Test
    void broadcastRowAgainstMatrixKeepsTwoAxes() {
        // a [4, 5] contiguous + b [5] broadcast to [4, 5] (stride 0 on rows)
        Layout.Collapsed c = Layout.collapse(new int[] {4, 5}, new int[] {5, 1}, new int[] {0, 1});
        assertArrayEquals(new int[] {4, 5}, c.shape());
        assertArrayEquals(new int[] {0, 1}, c.strides()[1]);
    }

    @Test
    void scalarAndOnesCollapseToOneElement() {
        Layout.Collapsed c = Layout.collapse(new int[0], new int[0]);
        assertArrayEquals(new int[] {1}, c.shape());
        assertArrayEquals(new int[] {0}, c.strides()[0]);
        assertArrayEquals(new int[] {1}, Layout.collapse(new int[] {1, 1}, new int[] {7, 3}).shape());
    }

    @Test
    void structsHaveTheKernelLayout() {
        int[] d = Layout.dims(new int[] {3, 4});
        assertEquals(Layout.MAX_DIMS + 1, d.length);
        assertArrayEquals(new int[] {2, 3, 4, 1, 1, 1, 1, 1, 1}, d);
        assertArrayEquals(new int[] {4, 1, 0, 0, 0, 0, 0, 0}, Layout.strides(new int[] {4, 1}));
        assertThrows(io.moe4j.tensor.ShapeException.class, () -> Layout.dims(new int[9]));
    }

    @Test
    void aroundSplitsShapeAtAxis() {
        assertArrayEquals(new int[] {6, 4, 5}, Layout.around(new int[] {2, 3, 4, 5}, 2));
        assertArrayEquals(new int[] {1, 2, 60}, Layout.around(new int[] {2, 3, 4, 5}, 0));
        assertArrayEquals(new int[] {24, 5, 1}, Layout.around(new int[] {2, 3, 4, 5}, 3));
    }

    @Test
    void gridSizes() {
        assertEquals(1, Layout.blocks(0, 256));
        assertEquals(1, Layout.blocks(256, 256));
        assertEquals(2, Layout.blocks(257, 256));
        assertEquals(Layout.MAX_BLOCKS, Layout.blocks(1L << 40, 256));
        assertEquals(32, Layout.threadsFor(1, 256));
        assertEquals(64, Layout.threadsFor(33, 256));
        assertEquals(256, Layout.threadsFor(100_000, 256));
    }

    @Test
    void elementWidths() {
        assertEquals(4, Layout.elemBytes(DType.F32));
        assertEquals(4, Layout.elemBytes(DType.I32));
        assertEquals(8, Layout.elemBytes(DType.F64));
        assertEquals("b4", Layout.widthSuffix(DType.I32));
        assertThrows(IllegalArgumentException.class, () -> Layout.elemBytes(DType.BF16));
    }

    @Test
    void cublasLayoutNeedsOneUnitStride() {
        assertArrayEquals(new int[] {0, 7}, CudaGemm.blasLayout(3, 5, 7, 1), "row-major with padding");
        assertArrayEquals(new int[] {1, 3}, CudaGemm.blasLayout(3, 5, 1, 3), "transposed view");
        assertNull(CudaGemm.blasLayout(3, 5, 10, 2), "no unit stride");
        assertNull(CudaGemm.blasLayout(3, 5, 0, 1), "expanded rows: ld too small");
        assertArrayEquals(new int[] {0, 5}, CudaGemm.blasLayout(1, 5, 0, 1), "a single row never steps by ld");
    }
}
