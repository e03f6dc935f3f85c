package io.moe4j.moe.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * External oracle: the optimum of a balanced assignment built from real weights (stories260K layer-0
 * up_proj rows vs 8 centroids, I = 172 so the remainder rule applies), solved by
 * scipy.optimize.linear_sum_assignment. See make_assignment_golden.py next to the resource.
 */
class BalancedAssignmentGoldenTest {

    @Test
    void matchesScipyOptimum() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("assignment_golden.txt")) {
            assertNotNull(in, "missing test resource assignment_golden.txt");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int[] shape = Arrays.stream(r.readLine().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            int items = shape[0];
            int bins = shape[1];
            int[] caps = Arrays.stream(r.readLine().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            double[] cost = new double[items * bins];
            for (int i = 0; i < items; i++) {
                String[] parts = r.readLine().trim().split(" ");
                for (int j = 0; j < bins; j++) {
                    cost[i * bins + j] = Double.parseDouble(parts[j]);
                }
            }
            double optimum = Double.parseDouble(r.readLine().trim());
            int[] labels = BalancedAssignment.solve(cost, items, caps);
            BalancedAssignmentTest.checkCapacities(labels, caps);
            assertEquals(optimum, BalancedAssignment.totalCost(cost, bins, labels), 1e-9);
            // and a greedy nearest-centroid assignment is not balanced here, so the constraint matters
            int[] greedyLoad = new int[bins];
            for (int i = 0; i < items; i++) {
                int best = 0;
                for (int j = 1; j < bins; j++) {
                    best = cost[i * bins + j] < cost[i * bins + best] ? j : best;
                }
                greedyLoad[best]++;
            }
            assertNotEquals(caps, greedyLoad);
        }
    }

    private static void assertNotEquals(int[] a, int[] b) {
        org.junit.jupiter.api.Assertions.assertFalse(Arrays.equals(a, b), "unconstrained assignment happened to be balanced");
    }
}
