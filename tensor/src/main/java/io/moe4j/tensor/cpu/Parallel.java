package io.moe4j.tensor.cpu;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One fixed pool of daemon threads for the CPU kernels, with a static range partition.
 *
 * <p>Why not an {@code ExecutorService}: kernels are called thousands of times per training step, many of them
 * on small tensors, so the hand-off must cost microseconds, not the tens of microseconds of a {@code Future}
 * round trip. Workers spin briefly after a task (back-to-back calls find them awake), then park.
 *
 * <p>Partitions are static: {@link #forRange} splits {@code [0, n)} into {@code parts} contiguous chunks whose
 * bounds depend only on {@code n}, {@code minChunk} and {@link #threads()}. A kernel that gives each index the
 * same arithmetic whatever chunk it lands in therefore returns the same bits on any thread count.
 *
 * <p>The pool serves one call at a time. A call made while it is busy (a nested call from inside a task, or a
 * second application thread) runs the same chunks one after another on the calling thread, so it neither
 * deadlocks nor changes the partition.
 */
public final class Parallel {
    /** Work on the half-open index range {@code [start, end)}. */
    public interface RangeTask {
        void run(int start, int end);
    }

    private static final ThreadLocal<Integer> LIMIT = new ThreadLocal<>();

    private Parallel() {}

    /**
     * Threads a {@link #forRange} call made now on this thread may use, counting the caller: the pool size
     * ({@code -Dmoe4j.threads}, default {@code availableProcessors}), lowered inside {@link #withThreads}, and 1
     * on a pool worker (nested calls run inline).
     */
    public static int threads() {
        if (Thread.currentThread() instanceof Worker) {
            return 1;
        }
        Integer limit = LIMIT.get();
        int size = Pool.SIZE;
        return limit == null ? size : Math.min(size, limit);
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into {@code min(threads(), n / minChunk)} contiguous chunks
     * (at least one); chunk {@code p} is {@code [n*p/parts, n*(p+1)/parts)}. The calling thread runs chunk 0.
     * Returns when all chunks are done; the first exception thrown by any chunk is rethrown here.
     */
    public static void forRange(int n, int minChunk, RangeTask task) {
        if (n <= 0) {
            return;
        }
        int parts = Math.min(threads(), Math.max(1, n / Math.max(1, minChunk)));
        if (parts == 1) {
            task.run(0, n);
            return;
        }
        Pool.INSTANCE.run(n, parts, task);
    }

    /** Runs {@code r} on this thread with {@link #threads()} lowered to at most {@code t} (for benchmarks and tests). */
    public static void withThreads(int t, Runnable r) {
        if (t < 1) {
            throw new IllegalArgumentException("withThreads: thread count must be >= 1, got " + t);
        }
        Integer previous = LIMIT.get();
        LIMIT.set(previous == null ? t : Math.min(previous, t));
        try {
            r.run();
        } finally {
            if (previous == null) {
                LIMIT.remove();
            } else {
                LIMIT.set(previous);
            }
        }
    }

    static int chunkStart(int n, int parts, int p) {
        return (int) ((long) n * p / parts);
    }

    /** Reads {@code -Dmoe4j.threads}; package-private for tests. */
    static int parseThreads(String value, int processors) {
        if (value == null || value.isBlank()) {
            return processors;
        }
        try {
            int t = Integer.parseInt(value.trim());
            if (t >= 1) {
                return t;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("system property moe4j.threads must be an integer >= 1; got '" + value + "'");
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The pool, created (and logged) on first use. */
    private static final class Pool {
        static final int SIZE = parseThreads(System.getProperty("moe4j.threads"),
                Runtime.getRuntime().availableProcessors());
        static final Pool INSTANCE = new Pool(SIZE - 1);

        /** Iterations a worker spins looking for the next task before parking (roughly 10-50 us). */
        private static final int SPIN = 1 << 11;

        private final Worker[] workers;
        private final AtomicBoolean busy = new AtomicBoolean();
        private final AtomicInteger pending = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile Thread caller;

        Pool(int nWorkers) {
            workers = new Worker[nWorkers];
            for (int i = 0; i < nWorkers; i++) {
                workers[i] = new Worker(this, i + 1);
                workers[i].start();
            }
            System.getLogger(Parallel.class.getName()).log(Level.INFO, "moe4j CPU pool: " + SIZE
                    + " threads (-Dmoe4j.threads=" + System.getProperty("moe4j.threads", "unset")
                    + ", availableProcessors=" + Runtime.getRuntime().availableProcessors() + ")");
        }

        void run(int n, int parts, RangeTask task) {
            if (!busy.compareAndSet(false, true)) {
                for (int p = 0; p < parts; p++) {  // pool in use: same chunks, one after another
                    task.run(chunkStart(n, parts, p), chunkStart(n, parts, p + 1));
                }
                return;
            }
            try {
                failure.set(null);
                caller = Thread.currentThread();
                pending.set(parts - 1);
                for (int p = 1; p < parts; p++) {
                    workers[p - 1].give(task, chunkStart(n, parts, p), chunkStart(n, parts, p + 1));
                }
                try {
                    task.run(0, chunkStart(n, parts, 1));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
                awaitWorkers();
                rethrow(failure.getAndSet(null));
            } finally {
                caller = null;
                busy.set(false);
            }
        }

        private void awaitWorkers() {
            for (int i = 0; pending.get() != 0; i++) {
                if (i < SPIN) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }

        void done(Throwable t) {
            if (t != null) {
                failure.compareAndSet(null, t);
            }
            if (pending.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
        }

        private static void rethrow(Throwable t) {
            if (t == null) {
                return;
            }
            if (t instanceof RuntimeException) {
                throw (RuntimeException) t;
            }
            if (t instanceof Error) {
                throw (Error) t;
            }
            throw new IllegalStateException("parallel task failed: " + t, t);
        }
    }

    /** A pool thread: waits for one chunk at a time. */
    private static final class Worker extends Thread {
        private final Pool pool;
        private volatile RangeTask task;
        private int start;
        private int end;

        Worker(Pool pool, int index) {
            super("moe4j-cpu-" + index);
            this.pool = pool;
            setDaemon(true);
        }

        void give(RangeTask t, int s, int e) {
            start = s;
            end = e;
            task = t;  // volatile write publishes start/end
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            for (;;) {
                RangeTask t = awaitTask();
                Throwable thrown = null;
                try {
                    t.run(start, end);
                } catch (Throwable e) {
                    thrown = e;
                }
                task = null;
                pool.done(thrown);
            }
        }

        private RangeTask awaitTask() {
            for (int i = 0; ; i++) {
                RangeTask t = task;
                if (t != null) {
                    return t;
                }
                if (i < Pool.SPIN) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }
}
