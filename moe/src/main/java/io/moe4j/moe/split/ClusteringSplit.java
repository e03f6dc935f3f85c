package io.moe4j.moe.split;

import java.util.Random;

/**
 * Neuron-Independent Clustering split (METHOD.md §3.3): size-constrained k-means on the
 * L2-normalised rows of up_proj, with cluster sizes fixed to {@link ExpertSplit#balancedSizes}
 * (exactly I/N, or the §0.1 remainder rule when N does not divide I).
 *
 * <p>Each iteration alternates an exact size-constrained assignment ({@link BalancedAssignment}, the
 * min-cost-flow step of the reference library k-means-constrained) and a centroid update (cluster
 * means). Like the library it stops when the total squared centroid shift is at most
 * tol × mean per-feature variance of the normalised rows, or after maxIter iterations, then
 * re-assigns once against the final centroids so the returned labels are optimal for the returned
 * centroids. The best of nInit seeded restarts (lowest inertia) wins.
 *
 * <p>Differences from the library, on purpose: initialisation is plain k-means++ (one candidate per
 * step, not sklearn's greedy variant), and seeds go through {@link java.util.Random}, so results are
 * reproducible but not bit-identical to Python's.
 */
public final class ClusteringSplit {

    /** Assignment cost between a normalised row and a centroid. */
    public enum Metric {
        /** ‖x − c‖, what k-means-constrained's min-cost flow uses (metric "l2", the default). */
        EUCLIDEAN,
        /** ‖x − c‖², the classic k-means objective; each iteration then cannot increase inertia. */
        SQUARED_EUCLIDEAN
    }

    /**
     * @param maxIter iteration limit per restart (reference: 500)
     * @param nInit   seeded restarts; the lowest inertia wins (library default 10)
     * @param tol     relative centroid-shift tolerance (library default 1e-4)
     * @param seed    seed for all restarts
     * @param metric  assignment cost
     */
    public record Options(int maxIter, int nInit, double tol, long seed, Metric metric) {
        public Options {
            if (maxIter < 1 || nInit < 1 || !(tol >= 0)) {
                throw new IllegalArgumentException("ClusteringSplit.Options: need maxIter ≥ 1, nInit ≥ 1, tol ≥ 0;"
                        + " got maxIter=" + maxIter + ", nInit=" + nInit + ", tol=" + tol);
            }
            if (metric == null) {
                throw new IllegalArgumentException("ClusteringSplit.Options: metric is required");
            }
        }

        /** The reference settings: 500 iterations, 10 restarts, tol 1e-4, Euclidean cost. */
        public static Options reference(long seed) {
            return new Options(500, 10, 1e-4, seed, Metric.EUCLIDEAN);
        }
    }

    /**
     * @param split      the clusters as index sets (cluster j = expert j)
     * @param centroids  [N, C] row-major final centroids, in normalised-row space
     * @param inertia    Σ_i ‖x̂_i − c_label(i)‖² of the returned labels
     * @param iterations iterations run by the winning restart
     * @param converged  whether the winning restart met the tolerance before maxIter
     */
    public record Result(ExpertSplit split, double[] centroids, double inertia, int iterations, boolean converged) {
    }

    private ClusteringSplit() {
    }

    /** Clusters with {@link Options#reference(long)}. */
    public static ExpertSplit split(float[] upProj, int numNeurons, int hidden, int numExperts, long seed) {
        return run(upProj, numNeurons, hidden, numExperts, Options.reference(seed)).split();
    }

    /**
     * @param upProj     [I, C] row-major up_proj weight (rows are normalised internally; zero rows stay zero)
     * @param numNeurons I
     * @param hidden     C
     * @param numExperts N, 1 ≤ N ≤ I
     */
    public static Result run(float[] upProj, int numNeurons, int hidden, int numExperts, Options options) {
        ExpertSplit.checkShape(numNeurons, numExperts);
        if (hidden <= 0) {
            throw new IllegalArgumentException("hidden (C) must be > 0, got " + hidden);
        }
        if (upProj == null || upProj.length != (long) numNeurons * hidden) {
            throw new IllegalArgumentException("up_proj: expected " + (long) numNeurons * hidden + " floats for [I="
                    + numNeurons + ", C=" + hidden + "], got " + (upProj == null ? "null" : upProj.length));
        }
        Points points = new Points(upProj, numNeurons, hidden);
        int[] sizes = ExpertSplit.balancedSizes(numNeurons, numExperts);
        double tolAbs = options.tol() * points.meanFeatureVariance();
        Random seeds = Seeds.random(options.seed());
        Result best = null;
        for (int r = 0; r < options.nInit(); r++) {
            Result res = lloyd(points, sizes, tolAbs, options, seeds.nextLong());
            if (best == null || res.inertia() < best.inertia()) {
                best = res;
            }
        }
        return best;
    }

    /** One seeded restart of size-constrained Lloyd iterations. */
    private static Result lloyd(Points x, int[] sizes, double tolAbs, Options options, long seed) {
        int n = sizes.length;
        double[] centroids = x.kMeansPlusPlus(n, Seeds.random(seed));
        int[] labels = null;
        double shift = Double.POSITIVE_INFINITY;
        int iter = 0;
        while (iter < options.maxIter()) {
            iter++;
            labels = assign(x, centroids, sizes, options.metric());
            double[] next = x.means(labels, n);
            shift = 0;
            for (int j = 0; j < next.length; j++) {
                double d = next[j] - centroids[j];
                shift += d * d;
            }
            centroids = next;
            if (shift <= tolAbs) {
                break;
            }
        }
        if (shift > 0) {
            labels = assign(x, centroids, sizes, options.metric());
        }
        double inertia = 0;
        double[] sq = x.squaredDistances(centroids, n);
        for (int i = 0; i < labels.length; i++) {
            inertia += sq[i * n + labels[i]];
        }
        return new Result(ExpertSplit.fromLabels(labels, n), centroids, inertia, iter, shift <= tolAbs);
    }

    /** Exact size-constrained assignment of every row to a centroid. */
    static int[] assign(Points x, double[] centroids, int[] sizes, Metric metric) {
        int n = sizes.length;
        double[] cost = x.squaredDistances(centroids, n);
        if (metric == Metric.EUCLIDEAN) {
            for (int j = 0; j < cost.length; j++) {
                cost[j] = Math.sqrt(cost[j]);
            }
        }
        return BalancedAssignment.solve(cost, x.rows, sizes);
    }

    /** The normalised rows x̂_i = u_i / ‖u_i‖, kept implicitly as (raw row, 1/‖u_i‖). */
    static final class Points {
        final float[] raw;      // [I, C]
        final int rows;         // I
        final int dim;          // C
        final double[] inv;     // [I], 1/‖u_i‖, 0 for a zero row
        final double[] norm2;   // [I], ‖x̂_i‖² ∈ {0, 1} up to rounding

        Points(float[] raw, int rows, int dim) {
            this.raw = raw;
            this.rows = rows;
            this.dim = dim;
            this.inv = new double[rows];
            this.norm2 = new double[rows];
            for (int i = 0; i < rows; i++) {
                double s = 0;
                int off = i * dim;
                for (int c = 0; c < dim; c++) {
                    double v = raw[off + c];
                    s += v * v;
                }
                if (!Double.isFinite(s)) {
                    throw new IllegalArgumentException("up_proj: row " + i + " has a non-finite value");
                }
                inv[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
                norm2[i] = s * inv[i] * inv[i];
            }
        }

        /** mean over features of the population variance of x̂[:, c] (sklearn's tolerance scale). */
        double meanFeatureVariance() {
            double[] mean = new double[dim];
            double[] sq = new double[dim];
            for (int i = 0; i < rows; i++) {
                int off = i * dim;
                for (int c = 0; c < dim; c++) {
                    double v = raw[off + c] * inv[i];
                    mean[c] += v;
                    sq[c] += v * v;
                }
            }
            double total = 0;
            for (int c = 0; c < dim; c++) {
                double m = mean[c] / rows;
                total += sq[c] / rows - m * m;
            }
            return total / dim;
        }

        /** [I, N] row-major ‖x̂_i − c_j‖², via ‖x̂‖² − 2 x̂·c + ‖c‖², clamped at 0. */
        double[] squaredDistances(double[] centroids, int n) {
            double[] centT = new double[dim * n];   // [C, N] so the inner loop runs over N contiguously
            double[] cNorm = new double[n];
            for (int j = 0; j < n; j++) {
                for (int c = 0; c < dim; c++) {
                    double v = centroids[j * dim + c];
                    centT[c * n + j] = v;
                    cNorm[j] += v * v;
                }
            }
            double[] dots = new double[rows * n];   // raw u_i · c_j
            int i = 0;
            for (; i + 4 <= rows; i += 4) {
                dots4(i, centT, n, dots);
            }
            for (; i < rows; i++) {
                dots1(i, centT, n, dots);
            }
            for (i = 0; i < rows; i++) {
                for (int j = 0; j < n; j++) {
                    double d = norm2[i] - 2 * inv[i] * dots[i * n + j] + cNorm[j];
                    dots[i * n + j] = d > 0 ? d : 0;
                }
            }
            return dots;
        }

        /** Dot products of rows r..r+3 with all centroids; four rows share each centroid load (2× faster). */
        private void dots4(int r, double[] centT, int n, double[] out) {
            double[] a0 = new double[n];
            double[] a1 = new double[n];
            double[] a2 = new double[n];
            double[] a3 = new double[n];
            int o0 = r * dim;
            int o1 = o0 + dim;
            int o2 = o1 + dim;
            int o3 = o2 + dim;
            for (int c = 0; c < dim; c++) {
                double x0 = raw[o0 + c];
                double x1 = raw[o1 + c];
                double x2 = raw[o2 + c];
                double x3 = raw[o3 + c];
                int t = c * n;
                for (int j = 0; j < n; j++) {
                    double w = centT[t + j];
                    a0[j] += x0 * w;
                    a1[j] += x1 * w;
                    a2[j] += x2 * w;
                    a3[j] += x3 * w;
                }
            }
            System.arraycopy(a0, 0, out, r * n, n);
            System.arraycopy(a1, 0, out, (r + 1) * n, n);
            System.arraycopy(a2, 0, out, (r + 2) * n, n);
            System.arraycopy(a3, 0, out, (r + 3) * n, n);
        }

        private void dots1(int r, double[] centT, int n, double[] out) {
            int off = r * dim;
            for (int c = 0; c < dim; c++) {
                double xv = raw[off + c];
                int t = c * n;
                for (int j = 0; j < n; j++) {
                    out[r * n + j] += xv * centT[t + j];
                }
            }
        }

        /** [N, C] cluster means of x̂ under labels (every cluster is non-empty by construction). */
        double[] means(int[] labels, int n) {
            double[] sum = new double[n * dim];
            int[] count = new int[n];
            for (int i = 0; i < rows; i++) {
                int j = labels[i];
                count[j]++;
                int off = i * dim;
                int dst = j * dim;
                double w = inv[i];
                for (int c = 0; c < dim; c++) {
                    sum[dst + c] += raw[off + c] * w;
                }
            }
            for (int j = 0; j < n; j++) {
                double s = 1.0 / count[j];
                for (int c = 0; c < dim; c++) {
                    sum[j * dim + c] *= s;
                }
            }
            return sum;
        }

        /** k-means++ seeding: first centre uniform, each next one drawn ∝ D² to the nearest centre. */
        double[] kMeansPlusPlus(int n, Random rng) {
            double[] centroids = new double[n * dim];
            double[] nearest = new double[rows];
            java.util.Arrays.fill(nearest, Double.POSITIVE_INFINITY);
            boolean[] chosen = new boolean[rows];
            int pick = rng.nextInt(rows);
            for (int j = 0; j < n; j++) {
                chosen[pick] = true;
                for (int c = 0; c < dim; c++) {
                    centroids[j * dim + c] = raw[pick * dim + c] * inv[pick];
                }
                if (j == n - 1) {
                    break;
                }
                updateNearest(nearest, centroids, j);
                pick = sampleByWeight(nearest, chosen, rng);
            }
            return centroids;
        }

        private void updateNearest(double[] nearest, double[] centroids, int j) {
            double[] one = java.util.Arrays.copyOfRange(centroids, j * dim, (j + 1) * dim);
            double[] d = squaredDistances(one, 1);
            for (int i = 0; i < rows; i++) {
                nearest[i] = Math.min(nearest[i], d[i]);
            }
        }

        /** Draws an unchosen row with probability ∝ weight; uniform among unchosen if all weights are 0. */
        private static int sampleByWeight(double[] weight, boolean[] chosen, Random rng) {
            double total = 0;
            for (int i = 0; i < weight.length; i++) {
                if (!chosen[i]) {
                    total += weight[i];
                }
            }
            if (total > 0) {
                double r = rng.nextDouble() * total;
                int last = -1;
                for (int i = 0; i < weight.length; i++) {
                    if (chosen[i] || weight[i] <= 0) {
                        continue;
                    }
                    last = i;
                    r -= weight[i];
                    if (r < 0) {
                        return i;
                    }
                }
                return last;   // rounding left r ≥ 0: take the last positive-weight row
            }
            int free = 0;
            for (boolean c : chosen) {
                free += c ? 0 : 1;
            }
            int k = rng.nextInt(free);
            for (int i = 0; i < chosen.length; i++) {
                if (!chosen[i] && k-- == 0) {
                    return i;
                }
            }
            throw new IllegalStateException("k-means++: no unchosen row left");
        }
    }
}
