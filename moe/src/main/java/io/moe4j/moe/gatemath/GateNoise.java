package io.moe4j.moe.gatemath;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.cpu.Parallel;

/**
 * The noisy gate's standard normal draws for one forward: [T, N] from the call's seed, in blocks of {@value #BLOCK}
 * tokens, each block from its own SplitMix64 stream (seeded from the call seed and the block index) through the polar
 * method with {@link StrictMath}. The values depend only on the seed, not on the thread count or the JDK, and the
 * blocks are drawn in parallel. (One {@code java.util.Random} stream, whose every step is an atomic update, took
 * ~0.7 ms for 2048 x 8 on one thread, serially.)
 */
public final class GateNoise {
    private static final int BLOCK = 256;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private GateNoise() {}

    /** A stream seed from a base seed and a counter (SplitMix64's output of base·γ + counter): one per layer and call. */
    public static long seed(long base, long counter) {
        return mix(base * GOLDEN + counter);
    }

    /** [T, N] standard normal values for the call with seed {@code seed}. */
    public static Tensor draw(long seed, int t, int n, DType dtype) {
        double[] v = new double[t * n];
        int blocks = (t + BLOCK - 1) / BLOCK;
        Parallel.forRange(blocks, 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++) fill(mix(seed ^ (b * GOLDEN)), v, b * BLOCK * n, Math.min(t, (b + 1) * BLOCK) * n);
        });
        return Tensor.of(v, t, n).to(dtype);
    }

    /** out[from, to) from the SplitMix64 stream with state {@code s}: Marsaglia's polar method, pairs in order. */
    static void fill(long s, double[] out, int from, int to) {
        for (int i = from; i < to; ) {
            double u, w, q;
            do {
                s += GOLDEN;
                u = 2 * unit(s) - 1;
                s += GOLDEN;
                w = 2 * unit(s) - 1;
                q = u * u + w * w;
            } while (q >= 1 || q == 0);
            double m = StrictMath.sqrt(-2 * StrictMath.log(q) / q);
            out[i++] = u * m;
            if (i < to) out[i++] = w * m;
        }
    }

    /** A double in [0, 1) from the SplitMix64 output for state s. */
    private static double unit(long s) {
        return (mix(s) >>> 11) * 0x1.0p-53;
    }

    /** SplitMix64's output function. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
