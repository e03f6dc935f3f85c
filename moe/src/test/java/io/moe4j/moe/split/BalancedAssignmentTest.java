package io.moe4j.moe.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Optimality of the size-constrained assignment against brute force and an optimality certificate. */
class BalancedAssignmentTest {

    @Property(tries = 300)
    void matchesBruteForceOnSmallProblems(@ForAll @IntRange(min = 1, max = 8) int items,
                                          @ForAll @IntRange(min = 1, max = 3) int bins,
                                          @ForAll boolean integerCosts,
                                          @ForAll boolean slack,
                                          @ForAll long seed) {
        Random rng = new Random(seed);
        int n = Math.min(bins, items);
        double[] cost = randomCost(rng, items, n, integerCosts);
        int[] caps = ExpertSplit.balancedSizes(items, n);
        if (slack) {
            caps[rng.nextInt(n)] += 1 + rng.nextInt(3);   // Σ cap > I: bins are upper bounds only
        }
        int[] labels = BalancedAssignment.solve(cost, items, caps);
        checkCapacities(labels, caps);
        double best = bruteForce(cost, items, caps);
        assertEquals(best, BalancedAssignment.totalCost(cost, n, labels), 1e-9,
                "solver cost must equal the brute-force optimum");
    }

    @Property(tries = 40)
    void noImprovingCycleOrPathOnMediumProblems(@ForAll @IntRange(min = 20, max = 400) int items,
                                                @ForAll @IntRange(min = 2, max = 12) int bins,
                                                @ForAll boolean integerCosts,
                                                @ForAll long seed) {
        Random rng = new Random(seed);
        double[] cost = randomCost(rng, items, bins, integerCosts);
        int[] caps = ExpertSplit.balancedSizes(items, bins);
        int[] labels = BalancedAssignment.solve(cost, items, caps);
        checkCapacities(labels, caps);
        assertOptimal(cost, bins, labels, caps);
    }

    @Test
    void handExample() {
        // 4 items, 2 bins of 2. Greedy by row would put items 0,1,2 all in bin 0 (cost 0 each).
        // cost: item0 [0, 10], item1 [0, 1], item2 [0, 2], item3 [5, 5].
        // Balanced optimum: {0, 2} → bin 0 (0 + 0), {1, 3} → bin 1 (1 + 5) = 6; any other balanced choice costs more
        // (e.g. {0,1}/{2,3}: 0+0+2+5 = 7; {0,3}/{1,2}: 0+5+1+2 = 8).
        double[] cost = {0, 10, 0, 1, 0, 2, 5, 5};
        int[] labels = BalancedAssignment.solve(cost, 4, new int[] {2, 2});
        assertEquals(6.0, BalancedAssignment.totalCost(cost, 2, labels), 0);
        assertEquals(0, labels[0]);
        assertEquals(1, labels[1]);
        assertEquals(0, labels[2]);
        assertEquals(1, labels[3]);
    }

    @Test
    void rejectsBadInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BalancedAssignment.solve(new double[] {1, 2, 3}, 2, new int[] {1, 1}));
        assertTrue(e.getMessage().contains("expected 4 values"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BalancedAssignment.solve(new double[] {1, 2, 3, 4}, 2, new int[] {1, 0}));
        assertTrue(e.getMessage().contains("sum 1 < numItems 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BalancedAssignment.solve(new double[] {1, Double.NaN, 3, 4}, 2, new int[] {1, 1}));
        assertTrue(e.getMessage().contains("cost[0, 1]"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------

    static double[] randomCost(Random rng, int items, int bins, boolean integer) {
        double[] cost = new double[items * bins];
        for (int j = 0; j < cost.length; j++) {
            cost[j] = integer ? rng.nextInt(4) : rng.nextDouble() * 10 - 3;
        }
        return cost;
    }

    static void checkCapacities(int[] labels, int[] caps) {
        int[] load = new int[caps.length];
        for (int l : labels) {
            load[l]++;
        }
        for (int b = 0; b < caps.length; b++) {
            assertTrue(load[b] <= caps[b], "bin " + b + " holds " + load[b] + " > capacity " + caps[b]);
        }
    }

    /** Minimum over all label vectors in [0, N)^I that respect the capacities. */
    static double bruteForce(double[] cost, int items, int[] caps) {
        int n = caps.length;
        int[] labels = new int[items];
        int[] load = new int[n];
        return search(cost, n, caps, labels, load, 0, 0);
    }

    private static double search(double[] cost, int n, int[] caps, int[] labels, int[] load, int i, double acc) {
        if (i == labels.length) {
            return acc;
        }
        double best = Double.POSITIVE_INFINITY;
        for (int b = 0; b < n; b++) {
            if (load[b] < caps[b]) {
                load[b]++;
                best = Math.min(best, search(cost, n, caps, labels, load, i + 1, acc + cost[i * n + b]));
                load[b]--;
            }
        }
        return best;
    }

    /**
     * Min-cost flow optimality certificate: in the residual graph over bins, with edge a → b of weight
     * min over items in a of (c[i][b] − c[i][a]), there is no negative cycle and no negative path into a
     * bin with spare capacity. Checked with Floyd–Warshall.
     */
    static void assertOptimal(double[] cost, int n, int[] labels, int[] caps) {
        double[][] d = new double[n][n];
        for (double[] row : d) {
            java.util.Arrays.fill(row, Double.POSITIVE_INFINITY);
        }
        int[] load = new int[n];
        for (int i = 0; i < labels.length; i++) {
            int a = labels[i];
            load[a]++;
            for (int b = 0; b < n; b++) {
                if (b != a) {
                    d[a][b] = Math.min(d[a][b], cost[i * n + b] - cost[i * n + a]);
                }
            }
        }
        for (int m = 0; m < n; m++) {
            for (int a = 0; a < n; a++) {
                for (int b = 0; b < n; b++) {
                    if (d[a][m] + d[m][b] < d[a][b]) {
                        d[a][b] = d[a][m] + d[m][b];
                    }
                }
            }
        }
        for (int a = 0; a < n; a++) {
            assertTrue(d[a][a] >= -1e-9, "negative cycle through bin " + a + ": " + d[a][a]);
            for (int b = 0; b < n; b++) {
                if (load[b] < caps[b] && a != b) {
                    assertTrue(d[a][b] >= -1e-9, "improving move " + a + " → " + b + ": " + d[a][b]);
                }
            }
        }
    }
}
