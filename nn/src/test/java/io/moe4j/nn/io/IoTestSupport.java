package io.moe4j.nn.io;

import io.moe4j.nn.LlamaConfig;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared fixtures for the checkpoint tests. */
final class IoTestSupport {
    private IoTestSupport() {}

    static Path resource(String name) {
        try {
            var url = IoTestSupport.class.getResource("/models/" + name);
            assertNotNull(url, "test resource models/" + name);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path legacy() {
        return resource("stories260K.bin");
    }

    static Path v1() {
        return resource("stories260K_v1.bin");
    }

    /** Same names in the same order, same shapes, bit-identical floats (NaN payloads included). */
    static void assertBitIdentical(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(java.util.List.copyOf(want.keySet()), java.util.List.copyOf(got.keySet()));
        for (String name : want.keySet()) {
            Tensor a = want.get(name), b = got.get(name);
            assertArrayEquals(a.shape(), b.shape(), name);
            assertEquals(DType.F32, b.dtype(), name);
            assertArrayEquals(bits(a), bits(b), name);
        }
    }

    static int[] bits(Tensor t) {
        float[] f = t.toFloatArray();
        int[] out = new int[f.length];
        for (int k = 0; k < f.length; k++) out[k] = Float.floatToRawIntBits(f[k]);
        return out;
    }

    /** Random weights for {@code c}, seeded per tensor, in canonical order. */
    static LinkedHashMap<String, Tensor> randomWeights(LlamaConfig c, long seed) {
        LinkedHashMap<String, Tensor> w = new LinkedHashMap<>();
        long s = seed;
        for (Map.Entry<String, int[]> e : LlamaWeights.shapes(c).entrySet())
            w.put(e.getKey(), Tensor.randn(s++, DType.F32, 0.5, e.getValue()));
        return w;
    }

    /** The call fails with a one-line IllegalArgumentException whose message contains every {@code parts}. */
    static String assertOneLineError(Runnable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        String m = e.getMessage();
        assertNotNull(m);
        assertFalse(m.contains("\n"), "one line: " + m);
        for (String p : parts) assertTrue(m.contains(p), "message should contain '" + p + "': " + m);
        return m;
    }

    interface IoCall {
        void run() throws Exception;
    }

    /** Wraps a throwing call so {@link #assertOneLineError} can take it; checked exceptions fail the test. */
    static Runnable io(IoCall call) {
        return () -> {
            try {
                call.run();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new AssertionError("expected an IllegalArgumentException, got " + e, e);
            }
        };
    }
}
