package io.moe4j.data.sampling;

import java.nio.charset.StandardCharsets;

/**
 * A tiny seeded PRNG (Steele, Lea and Flood's SplitMix64) whose whole state is one long, so a
 * loader can save it and resume bit-identically; {@link java.util.Random} does not expose its state.
 * Also supplies the seed-mixing used to derive independent, recomputable streams (one per domain,
 * epoch and shuffle buffer) from a single run seed.
 */
public final class SplitMix64 {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** The full state; {@code new SplitMix64(state())} continues the same sequence. */
    public long state() {
        return state;
    }

    public long nextLong() {
        state += GOLDEN;
        return finish(state);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound), unbiased (rejection sampling). */
    public long nextLong(long bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        while (true) {
            long r = nextLong() >>> 1;
            long m = r % bound;
            if (r - m + (bound - 1) >= 0) return m;
        }
    }

    /** Fisher-Yates shuffle of a[0..n). */
    public void shuffle(long[] a, int n) {
        for (int i = n - 1; i > 0; i--) {
            int j = (int) nextLong(i + 1);
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** Fisher-Yates shuffle of a whole int array. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = (int) nextLong(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** A seed derived from a base seed and any number of parts; different part lists give unrelated seeds. */
    public static long mix(long seed, long... parts) {
        long h = finish(seed + GOLDEN);
        for (long p : parts) h = finish(h ^ finish(p + GOLDEN));
        return h;
    }

    /** A stable 64-bit hash of a string (FNV-1a over UTF-8), for naming streams by domain. */
    public static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static long finish(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
