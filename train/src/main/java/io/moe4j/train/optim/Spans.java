package io.moe4j.train.optim;

import io.moe4j.tensor.cpu.Parallel;
import java.util.Arrays;

/**
 * Sorted, disjoint index ranges {@code [start, end)} of a flat buffer, each with one boolean flag, and a
 * deterministic parallel walk over them.
 *
 * <p>Why: per-tensor masks (frozen, decayed) become a handful of long ranges once adjacent tensors with the
 * same treatment are merged, so the optimizer's inner loop has no per-element branch. The parallel walk splits
 * the <em>concatenated</em> ranges into {@link Parallel#forRange} chunks, so work stays balanced however much
 * of the model is frozen, and every element gets the same arithmetic whichever chunk it lands in.
 */
public final class Spans {
    /** Work on flat elements {@code [from, to)}, all inside span {@code span}. */
    public interface SpanTask {
        void run(int from, int to, int span);
    }

    private final int[] starts;
    private final int[] ends;
    private final boolean[] flags;
    private final long[] before;  // before[i] = total length of spans 0..i-1; before[n] = total

    private Spans(int[] starts, int[] ends, boolean[] flags) {
        this.starts = starts;
        this.ends = ends;
        this.flags = flags;
        this.before = new long[starts.length + 1];
        for (int i = 0; i < starts.length; i++) {
            before[i + 1] = before[i] + (ends[i] - starts[i]);
        }
        if (before[starts.length] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Spans: total length exceeds int range");
        }
    }

    /** Starts an empty set; add ranges in increasing order. */
    public static Builder builder() {
        return new Builder();
    }

    /** Number of ranges after merging. */
    public int count() {
        return starts.length;
    }

    public int start(int span) {
        return starts[span];
    }

    public int end(int span) {
        return ends[span];
    }

    public boolean flag(int span) {
        return flags[span];
    }

    /** Total number of elements covered. */
    public int total() {
        return (int) before[starts.length];
    }

    /**
     * Runs {@code task} over every covered element. The covered elements, concatenated, are split by
     * {@link Parallel#forRange}{@code (total(), minChunk, ...)}; each chunk is cut further at span boundaries.
     */
    public void forEachParallel(int minChunk, SpanTask task) {
        Parallel.forRange(total(), minChunk, (lo, hi) -> walk(lo, hi, task));
    }

    /** Same as {@link #forEachParallel} on the calling thread only. */
    public void forEach(SpanTask task) {
        walk(0, total(), task);
    }

    /** Visits concatenated positions {@code [lo, hi)}. */
    void walk(int lo, int hi, SpanTask task) {
        if (lo >= hi) {
            return;
        }
        int span = spanOfPosition(lo);
        long pos = lo;
        while (pos < hi) {
            int from = starts[span] + (int) (pos - before[span]);
            long spanEndPos = before[span + 1];
            long stop = Math.min(hi, spanEndPos);
            task.run(from, from + (int) (stop - pos), span);
            pos = stop;
            span++;
        }
    }

    /** The span holding concatenated position {@code pos} (0 <= pos < total). */
    private int spanOfPosition(long pos) {
        int i = Arrays.binarySearch(before, 0, starts.length, pos);
        if (i < 0) {
            return -i - 2;
        }
        while (i + 1 < starts.length && before[i + 1] == pos) {
            i++;  // cannot happen after merging (no empty spans), kept for safety
        }
        return i;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Spans[");
        for (int i = 0; i < starts.length; i++) {
            sb.append(i == 0 ? "" : ", ").append('[').append(starts[i]).append(',').append(ends[i]).append(')')
                    .append(flags[i] ? "*" : "");
        }
        return sb.append(']').toString();
    }

    /** Collects ranges in increasing order, dropping empty ones and merging touching ones with equal flags. */
    public static final class Builder {
        private int[] s = new int[8];
        private int[] e = new int[8];
        private boolean[] f = new boolean[8];
        private int n;

        public Builder add(int start, int end, boolean flag) {
            if (start < 0 || end < start) {
                throw new IllegalArgumentException("Spans: bad range [" + start + ", " + end + ")");
            }
            if (start == end) {
                return this;
            }
            if (n > 0 && start < e[n - 1]) {
                throw new IllegalArgumentException("Spans: range [" + start + ", " + end + ") starts before the end "
                        + e[n - 1] + " of the previous one; add ranges in increasing order without overlap");
            }
            if (n > 0 && start == e[n - 1] && f[n - 1] == flag) {
                e[n - 1] = end;
                return this;
            }
            if (n == s.length) {
                s = Arrays.copyOf(s, 2 * n);
                e = Arrays.copyOf(e, 2 * n);
                f = Arrays.copyOf(f, 2 * n);
            }
            s[n] = start;
            e[n] = end;
            f[n] = flag;
            n++;
            return this;
        }

        public Spans build() {
            return new Spans(Arrays.copyOf(s, n), Arrays.copyOf(e, n), Arrays.copyOf(f, n));
        }
    }
}
