package io.moe4j.moe.split;

import java.util.Random;

/**
 * Seeded generators for the split methods. java.util.Random's sequence is fixed by the JDK
 * specification (so splits reproduce on every JVM), but its first draws for nearby seeds such as
 * 0, 1, 2 are strongly correlated; the seed is therefore scrambled with the MurmurHash3 64-bit
 * finaliser first.
 */
final class Seeds {

    private Seeds() {
    }

    static Random random(long seed) {
        long z = seed;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        z = z ^ (z >>> 33);
        return new Random(z);
    }
}
