package io.moe4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ParallelTest {
    /** Every index is visited exactly once, in chunks that follow the documented formula. */
    @Test
    void chunksCoverRangeOnceWithStaticBounds() {
        for (int n : new int[] {0, 1, 2, 5, 1000, 100_003}) {
            for (int minChunk : new int[] {1, 7, 100_000}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
                List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
                Parallel.forRange(n, minChunk, (s, e) -> {
                    chunks.add(new int[] {s, e});
                    for (int i = s; i < e; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i), "index " + i + " of n=" + n);
                }
                int parts = n == 0 ? 0 : Math.min(Parallel.threads(), Math.max(1, n / minChunk));
                assertEquals(parts, chunks.size(), "n=" + n + " minChunk=" + minChunk);
                chunks.sort((x, y) -> Integer.compare(x[0], y[0]));
                for (int p = 0; p < parts; p++) {
                    assertEquals(Parallel.chunkStart(n, parts, p), chunks.get(p)[0]);
                    assertEquals(Parallel.chunkStart(n, parts, p + 1), chunks.get(p)[1]);
                }
            }
        }
    }

    @Test
    void callerRunsFirstChunkAndWorkersTheRest() {
        Assumptions.assumeTrue(Parallel.threads() >= 2, "needs a pool of at least 2 threads");
        Thread[] who = new Thread[2];
        Parallel.forRange(2, 1, (s, e) -> who[s] = Thread.currentThread());
        assertSame(Thread.currentThread(), who[0]);
        assertTrue(who[1] != null && who[1] != who[0] && who[1].isDaemon());
    }

    @Test
    void withThreadsOneRunsInlineAndRestores() {
        int before = Parallel.threads();
        Thread caller = Thread.currentThread();
        Parallel.withThreads(1, () -> {
            assertEquals(1, Parallel.threads());
            Parallel.forRange(1000, 1, (s, e) -> {
                assertSame(caller, Thread.currentThread());
                assertEquals(0, s);
                assertEquals(1000, e);
            });
        });
        assertEquals(before, Parallel.threads());
        assertThrows(IllegalArgumentException.class, () -> Parallel.withThreads(0, () -> { }));
    }

    @Test
    void exceptionsReachTheCallerAndPoolSurvives() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Parallel.forRange(100, 1, (s, end) -> {
                    if (end == 100) {
                        throw new IllegalStateException("boom in last chunk");
                    }
                }));
        assertEquals("boom in last chunk", e.getMessage());
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        Parallel.forRange(100, 1, (s, end) -> {
            for (int i = s; i < end; i++) {
                hits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < 100; i++) {
            assertEquals(1, hits.get(i));
        }
    }

    /** Nested calls and calls from two application threads at once run inline instead of deadlocking. */
    @Test
    void nestedAndConcurrentCallsComplete() throws InterruptedException {
        AtomicIntegerArray hits = new AtomicIntegerArray(64 * 64);
        Runnable nested = () -> Parallel.forRange(64, 1, (s, e) -> {
            for (int i = s; i < e; i++) {
                int row = i;
                Parallel.forRange(64, 1, (s2, e2) -> {
                    for (int j = s2; j < e2; j++) {
                        hits.incrementAndGet(row * 64 + j);
                    }
                });
            }
        });
        Thread other = new Thread(nested);
        other.start();
        nested.run();
        other.join(30_000);
        for (int i = 0; i < 64 * 64; i++) {
            assertEquals(2, hits.get(i), "cell " + i);
        }
    }

    @Test
    void threadsPropertyIsParsed() {
        assertEquals(4, Parallel.parseThreads(null, 4));
        assertEquals(3, Parallel.parseThreads(" 3 ", 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallel.parseThreads("0", 4));
        assertTrue(e.getMessage().contains("moe4j.threads"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Parallel.parseThreads("two", 4));
    }
}
