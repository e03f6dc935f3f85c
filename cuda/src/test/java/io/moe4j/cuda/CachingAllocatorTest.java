package io.moe4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The caching allocator's bookkeeping against a fake device that counts and checks every call. */
class CachingAllocatorTest {

    /** A device with a capacity; handles are unique longs, and freeing an unknown one fails. */
    static final class FakeDevice implements DeviceMemory<Long> {
        final Set<Long> live = new HashSet<>();
        final long capacity;
        long used, next = 1, allocs, frees;

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();

        @Override
        public Long allocate(long bytes) {
            if (used + bytes > capacity) throw new OutOfDeviceMemoryException("fake device full: " + used + " + " + bytes + " > " + capacity);
            long h = next++;
            live.add(h);
            sizes.put(h, bytes);
            used += bytes;
            allocs++;
            return h;
        }

        @Override
        public void free(Long h) {
            assertTrue(live.remove(h), "free of unknown handle " + h);
            used -= sizes.remove(h);
            frees++;
        }
    }

    @Test
    void sizeClassesRoundUpWithBoundedSlack() {
        assertEquals(512, CachingAllocator.sizeClass(0));
        assertEquals(512, CachingAllocator.sizeClass(1));
        assertEquals(512, CachingAllocator.sizeClass(512));
        assertEquals(1024, CachingAllocator.sizeClass(513));
        assertEquals(4096, CachingAllocator.sizeClass(4096));
        assertEquals(6144, CachingAllocator.sizeClass(4097));
        assertEquals(8192, CachingAllocator.sizeClass(6145));
        assertEquals(1L << 30, CachingAllocator.sizeClass(1L << 30));
        assertEquals(3L << 29, CachingAllocator.sizeClass((1L << 30) + 1));
        Random r = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            long b = 1 + (r.nextLong() >>> 24);
            long c = CachingAllocator.sizeClass(b);
            assertTrue(c >= b, "class " + c + " below request " + b);
            assertTrue(c <= Math.max(512, b + b / 2 + 511), "class " + c + " wastes more than half of " + b);
            assertEquals(c, CachingAllocator.sizeClass(c), "a class is its own class");
        }
        assertThrows(IllegalArgumentException.class, () -> CachingAllocator.sizeClass(-1));
    }

    @Test
    void freedBlockIsReusedForSameClassWithoutDeviceCall() {
        FakeDevice dev = new FakeDevice(1 << 30);
        CachingAllocator<Long> a = new CachingAllocator<>(dev);
        CachingAllocator.Block<Long> b1 = a.allocate(1000);
        a.free(b1);
        CachingAllocator.Block<Long> b2 = a.allocate(700); // same 1024 class
        assertEquals(b1.handle, b2.handle);
        assertEquals(1, dev.allocs);
        CachingAllocator.Block<Long> b3 = a.allocate(5000); // another class: a new device allocation
        assertNotEquals(b2.handle, b3.handle);
        assertEquals(2, dev.allocs);
        CachingAllocator.Stats s = a.stats();
        assertEquals(3, s.requests());
        assertEquals(1, s.cacheHits());
        assertEquals(1024 + 6144, s.inUseBytes());
        assertEquals(0, s.cachedBytes());
        assertEquals(2, s.liveBlocks());
    }

    @Test
    void steadyStateLoopMakesNoDeviceCalls() {
        FakeDevice dev = new FakeDevice(1L << 34);
        CachingAllocator<Long> a = new CachingAllocator<>(dev);
        long[] sizes = {4 * 4096, 4 * 11008, 4 * 4096 * 3, 17, 4 * 32000};
        for (int step = 0; step < 50; step++) {
            List<CachingAllocator.Block<Long>> bs = new ArrayList<>();
            for (long s : sizes) bs.add(a.allocate(s));
            for (int k = bs.size() - 1; k >= 0; k--) a.free(bs.get(k));
        }
        assertEquals(sizes.length, dev.allocs, "only the first step allocates");
        assertEquals(0, dev.frees);
        assertEquals(0, a.liveBlocks());
        assertEquals(49 * sizes.length, a.stats().cacheHits());
    }

    @Test
    void freeListsHoldOneEntryPerFreedBlockPerClass() {
        FakeDevice dev = new FakeDevice(1 << 30);
        CachingAllocator<Long> a = new CachingAllocator<>(dev);
        List<CachingAllocator.Block<Long>> bs = new ArrayList<>();
        for (int i = 0; i < 3; i++) bs.add(a.allocate(512));
        bs.add(a.allocate(2048));
        bs.forEach(a::free);
        List<long[]> fl = a.freeListSizes();
        assertEquals(2, fl.size());
        assertArrayEquals(new long[] {512, 3}, fl.get(0));
        assertArrayEquals(new long[] {2048, 1}, fl.get(1));
        assertEquals(3 * 512 + 2048, a.stats().cachedBytes());
        // LIFO: the block freed last comes back first (warm in L2)
        assertEquals(bs.get(2).handle, a.allocate(100).handle);
    }

    @Test
    void outOfMemoryEmptiesCacheAndRetries() {
        FakeDevice dev = new FakeDevice(8192);
        CachingAllocator<Long> a = new CachingAllocator<>(dev);
        CachingAllocator.Block<Long> small = a.allocate(4096);
        a.free(small); // cached, still holding 4096 device bytes
        CachingAllocator.Block<Long> big = a.allocate(8192); // needs the cache emptied
        assertEquals(8192, big.classBytes);
        assertEquals(1, dev.frees);
        assertEquals(0, a.stats().cachedBytes());
        assertThrows(DeviceMemory.OutOfDeviceMemoryException.class, () -> a.allocate(4096), "a second failure propagates");
    }

    @Test
    void doubleFreeIsRejected() {
        CachingAllocator<Long> a = new CachingAllocator<>(new FakeDevice(1 << 20));
        CachingAllocator.Block<Long> b = a.allocate(10);
        a.free(b);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.free(b));
        assertTrue(e.getMessage().contains("freed twice"), e.getMessage());
    }

    @Test
    void closeReturnsEverythingAndLateFreesGoToTheDevice() {
        FakeDevice dev = new FakeDevice(1 << 20);
        CachingAllocator<Long> a = new CachingAllocator<>(dev);
        CachingAllocator.Block<Long> kept = a.allocate(100);
        a.free(a.allocate(3000));
        a.close();
        assertEquals(1, a.liveBlocks(), "the leak is visible");
        assertEquals(1, dev.live.size());
        a.free(kept);
        assertEquals(0, dev.live.size(), "nothing leaks on the device");
        assertEquals(0, dev.used);
        assertThrows(IllegalStateException.class, () -> a.allocate(1));
    }

    @Test
    void randomWorkloadNeverLeaksAndStatsAddUp() {
        FakeDevice dev = new FakeDevice(1L << 40);
        CachingAllocator<Long> a = new CachingAllocator<>(dev);
        Random r = new Random(42);
        List<CachingAllocator.Block<Long>> live = new ArrayList<>();
        long peak = 0, inUse = 0;
        for (int i = 0; i < 5000; i++) {
            if (live.isEmpty() || r.nextInt(3) > 0) {
                CachingAllocator.Block<Long> b = a.allocate(1 + r.nextInt(1 << 20));
                assertTrue(b.classBytes >= b.requested);
                live.add(b);
                inUse += b.classBytes;
                peak = Math.max(peak, inUse);
            } else {
                CachingAllocator.Block<Long> b = live.remove(r.nextInt(live.size()));
                a.free(b);
                inUse -= b.classBytes;
            }
            Set<Long> handles = new HashSet<>();
            if (i % 500 == 0) for (CachingAllocator.Block<Long> b : live) assertTrue(handles.add(b.handle), "one handle handed out twice");
        }
        CachingAllocator.Stats s = a.stats();
        assertEquals(inUse, s.inUseBytes());
        assertEquals(peak, s.peakBytes());
        assertEquals(dev.used, s.inUseBytes() + s.cachedBytes(), "device bytes = in use + cached");
        live.forEach(a::free);
        a.close();
        assertEquals(0, dev.live.size());
        assertEquals(dev.allocs, dev.frees);
    }
}
