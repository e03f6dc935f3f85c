package io.moe4j.cuda;

import io.moe4j.tensor.Storage;
import java.util.IdentityHashMap;
import java.util.Map;
import jcuda.driver.CUdeviceptr;

/**
 * Storages the caller asked to keep on the device (model weights, optimizer state), keyed by
 * Storage identity. Everything else is copied to the device per op and dropped after it.
 *
 * <p>Coherence contract, which keeps this simple and correct: host arrays are the truth. The
 * backend writes through: an in-place op on a resident storage updates the device copy and then
 * copies the touched span back to the host. Code that writes a resident storage's host array
 * directly must call {@link CudaBackend#invalidate(Storage)}; the next op re-uploads it. Entries
 * live until {@link CudaBackend#release(Storage)} (no GC hooks: pinning is explicit and rare).
 */
final class ResidentCache {
    private static final class Entry {
        final CachingAllocator.Block<CUdeviceptr> block;
        boolean stale;

        Entry(CachingAllocator.Block<CUdeviceptr> block) {
            this.block = block;
        }
    }

    private final CudaContext ctx;
    private final Map<Storage, Entry> entries = new IdentityHashMap<>();

    ResidentCache(CudaContext ctx) {
        this.ctx = ctx;
    }

    /** Uploads the whole storage (or re-uses the copy already there). */
    void pin(Storage s) {
        if (entries.containsKey(s)) return;
        Entry e = new Entry(ctx.alloc((long) s.size() * Layout.elemBytes(s.dtype)));
        ctx.upload(DeviceScope.array(s), s.dtype, 0, s.size(), e.block.handle);
        entries.put(s, e);
    }

    /** The device copy, re-uploaded first if the host changed; null when not resident. */
    CUdeviceptr device(Storage s) {
        Entry e = entries.get(s);
        if (e == null) return null;
        if (e.stale) {
            ctx.upload(DeviceScope.array(s), s.dtype, 0, s.size(), e.block.handle);
            e.stale = false;
        }
        return e.block.handle;
    }

    void invalidate(Storage s) {
        Entry e = entries.get(s);
        if (e != null) e.stale = true;
    }

    void release(Storage s) {
        Entry e = entries.remove(s);
        if (e != null) ctx.allocator.free(e.block);
    }

    int size() {
        return entries.size();
    }
}
