package io.moe4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Views share storage, copies happen only when needed, and errors name the op and the shapes. */
class TensorViewTest {
    private static Tensor iota(int... shape) {
        Tensor t = Tensor.zeros(DType.F32, shape);
        for (int i = 0; i < t.numel(); i++) t.storage().f[i] = i;
        return t;
    }

    @Test
    void viewsShareStorage() {
        Tensor t = iota(2, 3, 4);
        assertSame(t.storage(), t.reshape(6, 4).storage());
        assertSame(t.storage(), t.permute(2, 0, 1).storage());
        assertSame(t.storage(), t.narrow(2, 1, 2).storage());
        assertSame(t.storage(), t.unsqueeze(0).expand(5, 2, 3, 4).storage());
        t.narrow(1, 2, 1).set(-1, 0, 0, 3); // writes through the view
        assertEquals(-1, t.get(0, 2, 3));
    }

    @Test
    void contiguousCopiesOnlyWhenNeeded() {
        Tensor t = iota(3, 4);
        assertSame(t, t.contiguous());
        Tensor tt = t.transpose(0, 1);
        assertFalse(tt.isContiguous());
        Tensor c = tt.contiguous();
        assertNotSame(t.storage(), c.storage());
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, c.toFloatArray());
        assertTrue(t.narrow(0, 1, 2).isContiguous(), "a narrow on the outer axis stays contiguous");
    }

    @Test
    void permuteAndExpandHaveTheRightStrides() {
        Tensor t = iota(2, 3, 4);
        assertArrayEquals(new int[] {1, 12, 4}, t.permute(2, 0, 1).strides());
        Tensor e = iota(3, 1).expand(2, 3, 5);
        assertArrayEquals(new int[] {0, 1, 0}, e.strides());
        assertEquals(2f, (float) e.get(1, 2, 4));
    }

    @Test
    void splitAndSelect() {
        Tensor t = iota(4, 5);
        Tensor[] parts = t.split(1, 2, 3);
        assertArrayEquals(new int[] {4, 3}, parts[1].shape());
        assertEquals(7f, (float) parts[1].get(1, 0));
        assertArrayEquals(new float[] {10, 11, 12, 13, 14}, t.select(0, 2).toFloatArray());
    }

    @Test
    void zeroSizedTensorsWork() {
        Tensor z = Tensor.zeros(DType.F32, 0, 3);
        assertEquals(0, z.numel());
        assertEquals(0, z.reshape(3, 0).numel());
        assertArrayEquals(new int[] {0, 3}, Ops.add(z, Tensor.zeros(DType.F32, 3)).shape());
    }

    @Test
    void errorsNameTheOpAndShapes() {
        Tensor a = iota(2, 3), b = iota(4, 5);
        ShapeException e = assertThrows(ShapeException.class, () -> Ops.matmul(a, b));
        assertEquals("matmul: inner dimensions differ (3 vs 4) (shapes [2, 3] and [4, 5])", e.getMessage());
        e = assertThrows(ShapeException.class, () -> Ops.add(a, b));
        assertTrue(e.getMessage().startsWith("add: shapes do not broadcast"), e.getMessage());
        assertTrue(e.getMessage().contains("[2, 3] and [4, 5]"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> a.reshape(4, 2));
        assertTrue(e.getMessage().contains("reshape"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> Ops.add(a, Tensor.zeros(DType.F64, 2, 3)));
        assertTrue(e.getMessage().contains("dtype mismatch F32 vs F64"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> Ops.indexSelect(a, 0, Tensor.ofInts(new int[] {5}, 1)));
        assertTrue(e.getMessage().contains("index 5 out of range [0, 2)"), e.getMessage());
    }

    @Test
    void seededRandomIsReproducible() {
        assertArrayEquals(Tensor.randn(7, DType.F32, 1, 100).toFloatArray(), Tensor.randn(7, DType.F32, 1, 100).toFloatArray());
        assertFalse(java.util.Arrays.equals(Tensor.randn(7, DType.F32, 1, 100).toFloatArray(), Tensor.randn(8, DType.F32, 1, 100).toFloatArray()));
        double[] u = Tensor.rand(3, DType.F64, -2, 5, 1000).toDoubleArray();
        for (double v : u) assertTrue(v >= -2 && v < 5);
    }

    @Test
    void arangeAndArgmax() {
        Tensor r = Tensor.arange(5, DType.I32);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, r.toIntArray());
        Tensor x = Tensor.of(new float[] {1, 5, 5, 0, 9, 2}, 2, 3);
        assertArrayEquals(new int[] {1, 1}, Ops.argmax(x, 1, false).toIntArray(), "first maximum wins ties");
    }
}
