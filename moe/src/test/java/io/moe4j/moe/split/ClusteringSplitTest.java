package io.moe4j.moe.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class ClusteringSplitTest {

    /**
     * The returned labels are an optimal balanced assignment for the returned centroids: compare with
     * brute force over every balanced labelling, using distances computed here from scratch.
     */
    @Property(tries = 80)
    void assignmentIsOptimalAgainstBruteForce(@ForAll @IntRange(min = 2, max = 8) int ffn,
                                              @ForAll @IntRange(min = 1, max = 3) int experts,
                                              @ForAll @IntRange(min = 1, max = 5) int hidden,
                                              @ForAll boolean squared,
                                              @ForAll long seed) {
        int n = Math.min(experts, ffn);
        float[] up = Ffn.randomWeights(new Random(seed), ffn * hidden);
        ClusteringSplit.Metric metric = squared ? ClusteringSplit.Metric.SQUARED_EUCLIDEAN : ClusteringSplit.Metric.EUCLIDEAN;
        ClusteringSplit.Result res = ClusteringSplit.run(up, ffn, hidden, n,
                new ClusteringSplit.Options(30, 1, 1e-4, seed, metric));
        double[] cost = new double[ffn * n];
        for (int i = 0; i < ffn; i++) {
            double norm = 0;
            for (int c = 0; c < hidden; c++) {
                norm += (double) up[i * hidden + c] * up[i * hidden + c];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < n; j++) {
                double d2 = 0;
                for (int c = 0; c < hidden; c++) {
                    double diff = (norm == 0 ? 0 : up[i * hidden + c] / norm) - res.centroids()[j * hidden + c];
                    d2 += diff * diff;
                }
                cost[i * n + j] = squared ? d2 : Math.sqrt(d2);
            }
        }
        int[] caps = new int[n];
        for (int j = 0; j < n; j++) {
            caps[j] = ffn / n + (j < ffn % n ? 1 : 0);
        }
        double best = BalancedAssignmentTest.bruteForce(cost, ffn, caps);
        double got = BalancedAssignment.totalCost(cost, n, res.split().labels());
        assertEquals(best, got, 1e-9, "clustering assignment must be optimal for its centroids");
        assertArrayEquals(caps, res.split().sizeExperts());
    }

    @Test
    void exactlyBalancedAndRemainderToFirstClusters() {
        Random rng = new Random(7);
        float[] up = Ffn.randomWeights(rng, 103 * 12);
        ExpertSplit s = ClusteringSplit.split(up, 103, 12, 8, 3);
        // 103 = 8·12 + 7: the first 7 clusters hold 13, the last one 12
        assertArrayEquals(new int[] {13, 13, 13, 13, 13, 13, 13, 12}, s.sizeExperts());
        ExpertSplit even = ClusteringSplit.split(Ffn.randomWeights(rng, 96 * 12), 96, 12, 8, 3);
        assertArrayEquals(new int[] {12, 12, 12, 12, 12, 12, 12, 12}, even.sizeExperts());
    }

    /** Planted clusters: N well-separated directions, I/N noisy copies each; clustering must recover the groups. */
    @Test
    void recoversPlantedClusters() {
        int n = 6;
        int per = 20;
        int hidden = 16;
        Random rng = new Random(11);
        float[] up = new float[n * per * hidden];
        int[] truth = new int[n * per];
        double[][] dirs = new double[n][hidden];
        for (int j = 0; j < n; j++) {
            dirs[j][j] = 1;   // orthogonal unit directions
        }
        for (int i = 0; i < n * per; i++) {
            int j = (i * 7) % n;   // interleave groups so the order gives no hint
            truth[i] = j;
            double scale = 0.5 + 3 * rng.nextDouble();   // scale must not matter after normalising
            for (int c = 0; c < hidden; c++) {
                up[i * hidden + c] = (float) (scale * (dirs[j][c] + 0.05 * rng.nextGaussian()));
            }
        }
        ExpertSplit s = ClusteringSplit.split(up, n * per, hidden, n, 1);
        int[] labels = s.labels();
        Set<String> pairs = new HashSet<>();
        for (int i = 0; i < labels.length; i++) {
            pairs.add(truth[i] + "->" + labels[i]);
        }
        assertEquals(n, pairs.size(), "each planted group must map to exactly one cluster: " + pairs);
    }

    @Test
    void deterministicForASeed() {
        float[] up = Ffn.randomWeights(new Random(5), 200 * 10);
        ExpertSplit a = ClusteringSplit.split(up, 200, 10, 5, 42);
        ExpertSplit b = ClusteringSplit.split(up, 200, 10, 5, 42);
        assertEquals(a, b);
    }

    @Test
    void squaredMetricNeverIncreasesInertiaWithMoreIterations() {
        float[] up = Ffn.randomWeights(new Random(9), 300 * 20);
        double prev = Double.POSITIVE_INFINITY;
        for (int iters : new int[] {1, 2, 4, 8, 16}) {
            double inertia = ClusteringSplit.run(up, 300, 20, 6, new ClusteringSplit.Options(iters, 1, 0, 4,
                    ClusteringSplit.Metric.SQUARED_EUCLIDEAN)).inertia();
            assertTrue(inertia <= prev + 1e-9, "inertia rose from " + prev + " to " + inertia + " at " + iters);
            prev = inertia;
        }
    }

    @Test
    void rejectsBadShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClusteringSplit.split(new float[10], 4, 3, 2, 0));
        assertTrue(e.getMessage().contains("expected 12 floats"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClusteringSplit.split(new float[12], 4, 3, 5, 0));
        assertTrue(e.getMessage().contains("numExperts (N) must be in [1, I=4]"), e.getMessage());
        float[] bad = new float[12];
        bad[4] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> ClusteringSplit.split(bad, 4, 3, 2, 0));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    }

    /** Timing at the small shape of the task: I = 768, N = 8, C = 288 (reference settings, 10 restarts). */
    @Test
    void timingSmallModel() {
        float[] up = Ffn.randomWeights(new Random(1), 768 * 288);
        long t0 = System.nanoTime();
        ClusteringSplit.Result r = ClusteringSplit.run(up, 768, 288, 8, ClusteringSplit.Options.reference(0));
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("clustering I=768 N=8 C=288 nInit=10: %.2f s, iterations=%d, converged=%s%n",
                secs, r.iterations(), r.converged());
        assertArrayEquals(ExpertSplit.balancedSizes(768, 8), r.split().sizeExperts());
    }

    /** Timing at LLaMA-2-7B's shape: I = 11008, N = 16, C = 4096. */
    @Test
    @Tag("slow")
    void timingLlama7bLayer() {
        float[] up = Ffn.randomWeights(new Random(2), 11008 * 4096);
        long t0 = System.nanoTime();
        ClusteringSplit.Result r = ClusteringSplit.run(up, 11008, 4096, 16,
                new ClusteringSplit.Options(500, 1, 1e-4, 0, ClusteringSplit.Metric.EUCLIDEAN));
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("clustering I=11008 N=16 C=4096 nInit=1: %.1f s, iterations=%d, converged=%s%n",
                secs, r.iterations(), r.converged());
        double[] cost = new double[11008 * 16];
        Random rng = new Random(3);
        for (int j = 0; j < cost.length; j++) {
            cost[j] = rng.nextDouble();
        }
        long t1 = System.nanoTime();
        int[] labels = BalancedAssignment.solve(cost, 11008, ExpertSplit.balancedSizes(11008, 16));
        System.out.printf("assignment alone I=11008 N=16: %.3f s%n", (System.nanoTime() - t1) / 1e9);
        BalancedAssignmentTest.assertOptimal(cost, 16, labels, ExpertSplit.balancedSizes(11008, 16));
        assertArrayEquals(ExpertSplit.balancedSizes(11008, 16), r.split().sizeExperts());
    }
}
