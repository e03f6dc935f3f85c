package io.moe4j.moe.gatemath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class TopKTest {

    @Test
    void descendingOrderAndLowerIndexWinsTies() {
        assertArrayEquals(new int[] {1, 2}, TopK.indices(new double[] {1, 3, 2, 0}, 2));
        assertArrayEquals(new int[] {1}, TopK.indices(new double[] {2, 5, 5, 1}, 1));
        assertArrayEquals(new int[] {1, 2}, TopK.indices(new double[] {2, 5, 5, 1}, 2));
        assertArrayEquals(new int[] {0, 1}, TopK.indices(new double[] {5, 5, 5}, 2));
        assertArrayEquals(new int[] {2, 0, 1}, TopK.indices(new float[] {1, 1, 7}, 3));
    }

    /** Oracle: a stable sort of indices by (value descending, index ascending), then the first k. */
    @Property(tries = 500)
    void matchesStableSort(@ForAll @Size(min = 1, max = 20) int[] raw, @ForAll @IntRange(min = 1, max = 20) int kRaw) {
        double[] x = Arrays.stream(raw).mapToDouble(v -> v % 5).toArray();   // few distinct values: many ties
        int k = 1 + (kRaw - 1) % x.length;
        int[] want = IntStream.range(0, x.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -x[i]).thenComparingInt(i -> i))
                .limit(k).mapToInt(Integer::intValue).toArray();
        assertArrayEquals(want, TopK.indices(x, k));
    }

    @Test
    void rejectsBadK() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TopK.indices(new double[] {1, 2}, 3));
        assertTrue(e.getMessage().contains("k must be in [1, N=2], got 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TopK.indices(new double[] {1, Double.NaN}, 1));
        assertTrue(e.getMessage().contains("index 1 is NaN"), e.getMessage());
    }
}
