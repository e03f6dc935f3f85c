package io.moe4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.tensor.Backend;
import io.moe4j.tensor.Backends;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Discovery and the no-GPU path, which must hold on every machine. */
class CudaProviderTest {

    static Backends.Provider provider() {
        for (Backends.Provider p : ServiceLoader.load(Backends.Provider.class)) if (p.name().equals("cuda")) return p;
        return fail("no 'cuda' provider registered in META-INF/services");
    }

    @Test
    void providerIsFoundAndAgreesWithTheProbe() {
        Backends.Provider p = provider();
        assertFalse(CudaProbe.reason().isBlank());
        Backend b = p.create();
        if (CudaProbe.available()) {
            assertNotNull(b, p.unavailableReason());
            assertEquals("cuda", b.name());
        } else {
            assertNull(b);
            assertEquals(CudaProbe.reason(), p.unavailableReason());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.byName("cuda"));
            assertTrue(e.getMessage().contains(CudaProbe.reason()), e.getMessage());
        }
    }

    @Test
    void probeRunsOnceAndKeepsItsAnswer() {
        CudaProbe.Result r = CudaProbe.result();
        assertSame(r, CudaProbe.result());
        assertEquals(r.available(), CudaProbe.available());
        if (!r.available()) assertNull(r.deviceName());
    }

    @Test
    void reasonIsOneLine() {
        assertFalse(CudaProbe.reason().contains("\n"), CudaProbe.reason());
        String jcuda = "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\nOperating system name: Linux\n"
                + "java.lang.UnsatisfiedLinkError: no JCudaDriver in java.library.path: /usr/lib\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver.so: libcuda.so.1: cannot open shared object file\n---(end)---";
        assertEquals("/tmp/libJCudaDriver.so: libcuda.so.1: cannot open shared object file", CudaProbe.rootCause(jcuda));
        assertEquals("plain", CudaProbe.rootCause("plain\nmore"));
    }
}
