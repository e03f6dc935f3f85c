package io.moe4j.moe.split;

/**
 * Exact minimum-cost assignment of I items to N bins with capacities: the transportation problem
 * behind size-constrained k-means (METHOD.md §3.3, §12.3). A greedy assignment is only an
 * approximation; this solver returns an optimal one.
 *
 * <h2>Algorithm: successive shortest paths on the contracted bin graph</h2>
 * The flow network is source → item (cap 1) → bin (cost c[i][b]) → sink (cap cap_b). Items are
 * inserted one at a time, as in the Hungarian algorithm's row insertion: after item u is added by a
 * shortest augmenting path, the assignment of the items seen so far is optimal, so after the last
 * item it is optimal for all of them.
 *
 * <p>Every augmenting path alternates bin → (item currently in that bin) → other bin, so item nodes
 * can be contracted away: the residual graph becomes N bin nodes with an edge a → b of weight
 * min over items i in a of (c[i][b] − c[i][a]), the cheapest way to push one item out of a into b.
 * Each ordered pair (a, b) keeps an indexed min-heap of the items in a keyed by that difference, so
 * an edge weight is a heap peek. Dijkstra runs on the N bins with Johnson potentials π (reduced costs
 * stay ≥ 0 because the current assignment has no negative cycle), stopping at the first bin with
 * spare capacity; the items along the path then move one bin forward.
 *
 * <p>Cost: per item O(N²) for Dijkstra plus O(N² log I) heap updates along a path of at most N−1
 * moves, i.e. O(I · N² log I) in total, independent of the feature width. For I = 11008, N = 16
 * that is tens of milliseconds, against O(I² N) for SSP on the uncontracted bipartite graph.
 *
 * <p>Ties are broken deterministically: Dijkstra pops the lower bin index first and heaps prefer
 * the lower item index, so equal inputs give equal outputs.
 */
public final class BalancedAssignment {

    private final int numItems;     // I
    private final int numBins;      // N
    private final double[] cost;    // [I, N] row-major
    private final int[] capacity;   // [N]
    private final int[] label;      // [I], -1 while unassigned
    private final int[] load;       // [N]
    private final double[] pi;      // [N] potentials
    private final PairHeaps heaps;

    // Dijkstra scratch, [N]
    private final double[] dist;
    private final int[] prev;
    private final int[] via;
    private final boolean[] done;

    private BalancedAssignment(double[] cost, int numItems, int[] capacity) {
        this.numItems = numItems;
        this.numBins = capacity.length;
        this.cost = cost;
        this.capacity = capacity;
        this.label = new int[numItems];
        java.util.Arrays.fill(label, -1);
        this.load = new int[numBins];
        this.pi = new double[numBins];
        this.heaps = new PairHeaps(cost, numItems, capacity);
        this.dist = new double[numBins];
        this.prev = new int[numBins];
        this.via = new int[numBins];
        this.done = new boolean[numBins];
    }

    /**
     * Minimum-cost labels.
     *
     * @param cost       [I, N] row-major, cost[i*N + b] = cost of putting item i into bin b; finite
     * @param numItems   I
     * @param capacities [N] bin capacities, each ≥ 0, Σ ≥ I (Σ = I forces exact sizes)
     * @return [I] bin per item, with bin b used at most capacities[b] times and Σ cost minimal
     */
    public static int[] solve(double[] cost, int numItems, int[] capacities) {
        check(cost, numItems, capacities);
        BalancedAssignment solver = new BalancedAssignment(cost, numItems, capacities.clone());
        for (int u = 0; u < numItems; u++) {
            solver.insert(u);
        }
        return solver.label.clone();
    }

    /** Σ_i cost[i, labels[i]] for a [I, N] row-major cost matrix. */
    public static double totalCost(double[] cost, int numBins, int[] labels) {
        double total = 0;
        for (int i = 0; i < labels.length; i++) {
            total += cost[i * numBins + labels[i]];
        }
        return total;
    }

    private static void check(double[] cost, int numItems, int[] capacities) {
        if (capacities == null || capacities.length == 0) {
            throw new IllegalArgumentException("capacities: expected one capacity per bin, got none");
        }
        if (numItems <= 0) {
            throw new IllegalArgumentException("numItems (I) must be > 0, got " + numItems);
        }
        long total = 0;
        for (int b = 0; b < capacities.length; b++) {
            if (capacities[b] < 0) {
                throw new IllegalArgumentException("capacities[" + b + "] = " + capacities[b] + " < 0");
            }
            total += capacities[b];
        }
        if (total < numItems) {
            throw new IllegalArgumentException("capacities: sum " + total + " < numItems " + numItems);
        }
        long want = (long) numItems * capacities.length;
        if (cost == null || cost.length != want) {
            throw new IllegalArgumentException("cost: expected " + want + " values for [I=" + numItems
                    + ", N=" + capacities.length + "], got " + (cost == null ? "null" : cost.length));
        }
        for (int j = 0; j < cost.length; j++) {
            if (!Double.isFinite(cost[j])) {
                throw new IllegalArgumentException("cost[" + (j / capacities.length) + ", "
                        + (j % capacities.length) + "] is not finite: " + cost[j]);
            }
        }
    }

    /** Adds item u along a shortest augmenting path; keeps the assignment optimal. */
    private void insert(int u) {
        int n = numBins;
        int base = u * n;
        for (int b = 0; b < n; b++) {
            dist[b] = cost[base + b] - pi[b];
            prev[b] = -1;
            via[b] = -1;
            done[b] = false;
        }
        int sink = -1;
        for (int round = 0; round < n; round++) {
            int a = -1;
            for (int b = 0; b < n; b++) {
                if (!done[b] && (a < 0 || dist[b] < dist[a])) {
                    a = b;
                }
            }
            done[a] = true;
            if (load[a] < capacity[a]) {
                sink = a;
                break;
            }
            relaxFrom(a);
        }
        // Potentials π' = π + min(dist, dist[sink]) keep every reduced cost ≥ 0.
        double bound = dist[sink];
        for (int b = 0; b < n; b++) {
            pi[b] += done[b] ? dist[b] : bound;
        }
        int b = sink;
        while (prev[b] >= 0) {
            int a = prev[b];
            move(via[b], a, b);
            b = a;
        }
        label[u] = b;
        heaps.add(u, b);
        load[sink]++;
    }

    /** Relaxes every edge a → b (cheapest item of a to push into b) from a finalised bin a. */
    private void relaxFrom(int a) {
        for (int b = 0; b < numBins; b++) {
            if (done[b] || b == a) {
                continue;
            }
            int item = heaps.top(a, b);
            if (item < 0) {
                continue;
            }
            double w = cost[item * numBins + b] - cost[item * numBins + a] + pi[a] - pi[b];
            double d = dist[a] + w;
            if (d < dist[b]) {
                dist[b] = d;
                prev[b] = a;
                via[b] = item;
            }
        }
    }

    private void move(int item, int from, int to) {
        heaps.remove(item, from);
        label[item] = to;
        heaps.add(item, to);
    }
}
