package io.moe4j.tensor.cpu;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.Storage;
import io.moe4j.tensor.Tensor;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Float buffers handed from one training step to the next, for the large intermediates a fused Function keeps from
 * forward to backward and drops after it. A fresh Java array is zeroed when allocated and lands in memory that is not
 * in cache; an MoE layer's experts allocate ~28 MB of such intermediates per pass over 2048 tokens, whose zeroing
 * alone measured 2.5-3 ms against ~45 ms for the whole pass. Buffers are kept by capacity, rounded up to
 * {@value #GRAIN} floats so that expert row counts, which change from step to step, still find one. At most
 * {@code -Dmoe4j.scratch.mb} MiB are held (default: a quarter of the maximum heap, at most 1 GiB; the training step's
 * logits alone are 250 MiB at 2,048 tokens and V = 32,000); beyond that, given buffers are left to the collector.
 *
 * <p>Contract: {@link #take} returns a tensor with undefined contents (the caller writes every element before reading
 * any); {@link #give} may only be called on tensors from {@link #take} that nothing will read again.
 */
public final class ScratchPool {
    private static final int GRAIN = 1 << 14;
    private static final long LIMIT_BYTES = Math.max(0, Long.getLong("moe4j.scratch.mb",
            Math.min(1024, Runtime.getRuntime().maxMemory() / 4 >> 20))) << 20;
    private static final ConcurrentHashMap<Integer, ConcurrentLinkedDeque<float[]>> FREE = new ConcurrentHashMap<>();
    private static final AtomicLong HELD_BYTES = new AtomicLong();

    private ScratchPool() {}

    /** A contiguous F32 tensor of this shape whose contents are undefined. */
    public static Tensor take(int... shape) {
        int n = Shape.numel(shape);
        int cap = (int) Math.min(Integer.MAX_VALUE - 8, ((long) n + GRAIN - 1) / GRAIN * GRAIN);
        ConcurrentLinkedDeque<float[]> q = FREE.get(cap);
        float[] a = q == null ? null : q.pollFirst();
        if (a != null) HELD_BYTES.addAndGet(-4L * a.length);
        else a = new float[Math.max(cap, n)];
        return new Tensor(Storage.of(a, n), shape.clone(), Shape.contiguousStrides(shape), 0);
    }

    /** Hands back tensors from {@link #take} (null and non-F32 entries are ignored). */
    public static void give(Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t == null || t.dtype() != DType.F32) continue;
            float[] a = t.storage().f;
            if (a.length % GRAIN != 0 || HELD_BYTES.addAndGet(4L * a.length) > LIMIT_BYTES) {
                if (a.length % GRAIN == 0) HELD_BYTES.addAndGet(-4L * a.length);
                continue;
            }
            FREE.computeIfAbsent(a.length, k -> new ConcurrentLinkedDeque<>()).addFirst(a);
        }
    }

    /** Bytes held for reuse now (for tests). */
    static long heldBytes() {
        return HELD_BYTES.get();
    }
}
