package io.moe4j.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching device allocator: freed blocks go to a free list per size class and are handed out
 * again, so a training step that allocates the same shapes every iteration stops calling
 * {@code cuMemAlloc} (which synchronises the device) after the first step.
 *
 * <p>Size classes: requests round up to a multiple of {@link #MIN_BLOCK} (512 B); above that to
 * the next of {@code 2^k} or {@code 1.5 * 2^k}, so at most a third of a block is slack. A request is
 * served only from its own class (no splitting), which keeps the lists O(1) and makes
 * fragmentation impossible at the price of that slack. When the device is full the allocator
 * frees every cached block and retries once.
 *
 * <p>Thread-safe (one lock); a CUDA stream orders the kernels, so a block freed after enqueuing
 * the kernels that read it can be reused by the next kernel on the same stream without a sync.
 *
 * @param <H> the device handle type of {@link DeviceMemory}
 */
public final class CachingAllocator<H> implements AutoCloseable {
    /** Smallest block, and the granularity of small classes. */
    public static final long MIN_BLOCK = 512;

    private final DeviceMemory<H> device;
    private final TreeMap<Long, ArrayDeque<H>> freeLists = new TreeMap<>();
    private final Map<Block<H>, Boolean> live = new IdentityHashMap<>();
    private long inUseBytes, cachedBytes, peakBytes, deviceAllocs, deviceFrees, hits, requests;
    private boolean closed;

    public CachingAllocator(DeviceMemory<H> device) {
        this.device = device;
    }

    /** One block handed out: the device handle, the bytes asked for, and its size class. */
    public static final class Block<H> {
        public final H handle;
        public final long requested;
        public final long classBytes;

        Block(H handle, long requested, long classBytes) {
            this.handle = handle;
            this.requested = requested;
            this.classBytes = classBytes;
        }
    }

    /** The size class that serves a request of {@code bytes} (at least {@link #MIN_BLOCK}). */
    public static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("allocation size must be >= 0, got " + bytes);
        if (bytes <= 8 * MIN_BLOCK) return Math.max(MIN_BLOCK, (bytes + MIN_BLOCK - 1) / MIN_BLOCK * MIN_BLOCK);
        long pow = Long.highestOneBit(bytes);
        if (pow == bytes) return pow;
        long mid = pow + (pow >> 1);
        return bytes <= mid ? mid : pow << 1;
    }

    /** A block of at least {@code bytes} bytes, from the cache when one of its class is free. */
    public synchronized Block<H> allocate(long bytes) {
        if (closed) throw new IllegalStateException("allocator is closed");
        long cls = sizeClass(bytes);
        requests++;
        ArrayDeque<H> list = freeLists.get(cls);
        H h;
        if (list != null && !list.isEmpty()) {
            h = list.pop();
            cachedBytes -= cls;
            hits++;
        } else {
            h = allocateFromDevice(cls);
        }
        Block<H> b = new Block<>(h, bytes, cls);
        live.put(b, Boolean.TRUE);
        inUseBytes += cls;
        peakBytes = Math.max(peakBytes, inUseBytes);
        return b;
    }

    private H allocateFromDevice(long cls) {
        try {
            H h = device.allocate(cls);
            deviceAllocs++;
            return h;
        } catch (DeviceMemory.OutOfDeviceMemoryException e) {
            emptyCache();
            H h = device.allocate(cls); // a second failure propagates with the device's message
            deviceAllocs++;
            return h;
        }
    }

    /** Returns a block to its free list (not to the device). Freeing twice is an error. */
    public synchronized void free(Block<H> b) {
        if (live.remove(b) == null) throw new IllegalStateException("block of " + b.classBytes + " bytes freed twice or not from this allocator");
        inUseBytes -= b.classBytes;
        if (closed) {
            device.free(b.handle);
            deviceFrees++;
            return;
        }
        freeLists.computeIfAbsent(b.classBytes, k -> new ArrayDeque<>()).push(b.handle);
        cachedBytes += b.classBytes;
    }

    /** Gives every cached (free) block back to the device; blocks in use are untouched. */
    public synchronized void emptyCache() {
        for (ArrayDeque<H> list : freeLists.values()) {
            for (H h : list) {
                device.free(h);
                deviceFrees++;
            }
        }
        freeLists.clear();
        cachedBytes = 0;
    }

    /** Counters for logs and tests. */
    public record Stats(long inUseBytes, long cachedBytes, long peakBytes, long liveBlocks,
                        long deviceAllocs, long deviceFrees, long requests, long cacheHits) {
        @Override
        public String toString() {
            return String.format("in use %d B in %d blocks, cached %d B, peak %d B, device allocs %d frees %d, requests %d hits %d",
                    inUseBytes, liveBlocks, cachedBytes, peakBytes, deviceAllocs, deviceFrees, requests, cacheHits);
        }
    }

    public synchronized Stats stats() {
        return new Stats(inUseBytes, cachedBytes, peakBytes, live.size(), deviceAllocs, deviceFrees, requests, hits);
    }

    /** The number of free blocks cached per size class (ascending), for tests and diagnostics. */
    public synchronized List<long[]> freeListSizes() {
        List<long[]> out = new ArrayList<>();
        for (Map.Entry<Long, ArrayDeque<H>> e : freeLists.entrySet()) out.add(new long[] {e.getKey(), e.getValue().size()});
        return out;
    }

    /**
     * Frees the cache and stops caching. Blocks still in use (a leak in the caller, visible in
     * {@link #liveBlocks()}) go straight back to the device when they are freed later.
     */
    @Override
    public synchronized void close() {
        emptyCache();
        closed = true;
    }

    /** Blocks handed out and not yet freed. */
    public synchronized int liveBlocks() {
        return live.size();
    }
}
