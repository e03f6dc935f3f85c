package io.moe4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ScratchPoolTest {

    @Test
    void givenBuffersAreReusedAcrossShapesOfTheSameCapacityClass() {
        Tensor a = ScratchPool.take(300, 288);
        assertArrayEquals(new int[] {300, 288}, a.shape());
        assertEquals(300 * 288, a.numel());
        assertEquals(DType.F32, a.dtype());
        float[] buf = a.storage().f;
        ScratchPool.give(a);
        Tensor b = ScratchPool.take(301, 288); // a different row count that rounds to the same capacity
        assertSame(buf, b.storage().f, "the buffer comes back");
        assertEquals(301 * 288, b.storage().size());
        Tensor c = ScratchPool.take(301, 288);
        assertNotSame(buf, c.storage().f, "a buffer in use is never handed out twice");
        ScratchPool.give(b, c, null, Tensor.zeros(DType.F64, 3), Tensor.zeros(DType.F32, 7)); // foreign ones are ignored
        float[] odd = Tensor.zeros(DType.F32, 7).storage().f;
        assertNotSame(odd, ScratchPool.take(7).storage().f);
    }
}
