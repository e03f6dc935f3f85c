package io.moe4j.cuda;

/**
 * The raw allocation calls the {@link CachingAllocator} sits on. The driver version wraps
 * {@code cuMemAlloc}/{@code cuMemFree}; tests use a fake that counts calls, so the allocator's
 * bookkeeping is checked on machines without a GPU.
 *
 * @param <H> the handle of one device allocation (a {@code CUdeviceptr} on a GPU)
 */
public interface DeviceMemory<H> {

    /**
     * Allocates {@code bytes} bytes of device memory.
     *
     * @throws OutOfDeviceMemoryException when the device has no room; the allocator then empties
     *     its cache and tries once more
     */
    H allocate(long bytes);

    /** Returns an allocation made by {@link #allocate(long)} to the device. */
    void free(H handle);

    /** Thrown by {@link #allocate(long)} when the device is full. */
    final class OutOfDeviceMemoryException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public OutOfDeviceMemoryException(String message) {
            super(message);
        }
    }
}
