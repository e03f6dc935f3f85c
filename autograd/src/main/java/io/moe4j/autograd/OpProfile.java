package io.moe4j.autograd;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wall time per op, forward and backward, summed over every {@link Function} run while it is on: where a training
 * step goes, op by op. Off by default ({@code -Dmoe4j.profile=true} or {@link #enable}); when off it costs one field
 * read per op. Nested ops (a Function calling others) are counted in both.
 */
public final class OpProfile {
    private static volatile boolean on = Boolean.getBoolean("moe4j.profile");
    private static final Map<String, LongAdder[]> TIMES = new ConcurrentHashMap<>();

    private OpProfile() {}

    public static void enable(boolean enable) {
        on = enable;
    }

    static boolean on() {
        return on;
    }

    public static void reset() {
        TIMES.clear();
    }

    static void add(String key, boolean backward, long nanos) {
        LongAdder[] t = TIMES.computeIfAbsent(key, k -> new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder()});
        t[backward ? 1 : 0].add(nanos);
        if (!backward) t[2].increment();
    }

    /** A table of ops by total time: calls, forward ms, backward ms, each divided by {@code per} (e.g. steps). */
    public static String report(int per) {
        List<Map.Entry<String, LongAdder[]>> rows = new ArrayList<>(TIMES.entrySet());
        rows.sort((a, b) -> Long.compare(total(b.getValue()), total(a.getValue())));
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-28s %8s %10s %10s%n", "op", "calls", "fwd ms", "bwd ms"));
        for (Map.Entry<String, LongAdder[]> r : rows) {
            LongAdder[] t = r.getValue();
            sb.append(String.format(Locale.ROOT, "%-28s %8d %10.1f %10.1f%n", r.getKey(), t[2].sum() / per,
                    t[0].sum() / 1e6 / per, t[1].sum() / 1e6 / per));
        }
        return sb.toString();
    }

    private static long total(LongAdder[] t) {
        return t[0].sum() + t[1].sum();
    }
}
