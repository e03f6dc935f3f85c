package io.moe4j.cuda;

import io.moe4j.tensor.Backend;
import io.moe4j.tensor.Backends;

/**
 * Registers the CUDA backend with {@link Backends} through ServiceLoader
 * ({@code META-INF/services/io.moe4j.tensor.Backends$Provider}); nothing imports this module.
 * {@link #create()} returns null, with the reason kept, when {@link CudaProbe} finds no usable
 * device or the context cannot be set up; it never throws.
 */
public final class CudaBackendProvider implements Backends.Provider {
    private volatile String failure;

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Backend create() {
        if (!CudaProbe.available()) return null;
        try {
            return CudaBackend.shared();
        } catch (RuntimeException | LinkageError e) {
            failure = "CUDA device found (" + CudaProbe.reason() + ") but the backend failed to start: " + e;
            return null;
        }
    }

    @Override
    public String unavailableReason() {
        String f = failure;
        return f != null ? f : CudaProbe.available() ? "available: " + CudaProbe.reason() : CudaProbe.reason();
    }
}
