package io.moe4j.moe.split;

/**
 * For every ordered bin pair (a, b), a ≠ b, an indexed binary min-heap of the items currently in
 * bin a keyed by cost[i][b] − cost[i][a], the price of pushing item i from a into b. Used by
 * {@link BalancedAssignment} to read the contracted edge weights in O(1) and to move items in
 * O(N log I). Keys are recomputed from the cost matrix instead of stored; ties go to the lower item.
 */
final class PairHeaps {

    private final double[] cost;   // [I, N]
    private final int numBins;     // N
    private final int[][] heap;    // [N*N][capacity of a], item ids
    private final int[] size;      // [N*N]
    private final int[][] pos;     // [N][I], position of item i in heap (bin(i), b)

    PairHeaps(double[] cost, int numItems, int[] capacity) {
        this.cost = cost;
        this.numBins = capacity.length;
        this.heap = new int[numBins * numBins][];
        this.size = new int[numBins * numBins];
        this.pos = new int[numBins][numItems];
        for (int a = 0; a < numBins; a++) {
            int cap = Math.min(capacity[a], numItems);
            for (int b = 0; b < numBins; b++) {
                heap[a * numBins + b] = a == b ? new int[0] : new int[cap];
            }
        }
    }

    /** The cheapest item to push from a into b, or −1 when a is empty. */
    int top(int a, int b) {
        int h = a * numBins + b;
        return size[h] == 0 ? -1 : heap[h][0];
    }

    /** Registers item as a member of bin a in all heaps (a, ·). */
    void add(int item, int a) {
        for (int b = 0; b < numBins; b++) {
            if (b == a) {
                continue;
            }
            int h = a * numBins + b;
            int at = size[h]++;
            heap[h][at] = item;
            pos[b][item] = at;
            siftUp(h, b, at);
        }
    }

    /** Removes item, a member of bin a, from all heaps (a, ·). */
    void remove(int item, int a) {
        for (int b = 0; b < numBins; b++) {
            if (b == a) {
                continue;
            }
            int h = a * numBins + b;
            int at = pos[b][item];
            int last = --size[h];
            if (at != last) {
                int moved = heap[h][last];
                heap[h][at] = moved;
                pos[b][moved] = at;
                siftDown(h, a, b, at);
                siftUp(h, b, pos[b][moved]);
            }
        }
    }

    private boolean less(int i, int j, int a, int b) {
        double ki = cost[i * numBins + b] - cost[i * numBins + a];
        double kj = cost[j * numBins + b] - cost[j * numBins + a];
        return ki < kj || (ki == kj && i < j);
    }

    private void siftUp(int h, int b, int at) {
        int a = h / numBins;
        int[] arr = heap[h];
        int item = arr[at];
        while (at > 0) {
            int parent = (at - 1) >>> 1;
            if (!less(item, arr[parent], a, b)) {
                break;
            }
            arr[at] = arr[parent];
            pos[b][arr[at]] = at;
            at = parent;
        }
        arr[at] = item;
        pos[b][item] = at;
    }

    private void siftDown(int h, int a, int b, int at) {
        int[] arr = heap[h];
        int n = size[h];
        int item = arr[at];
        while (true) {
            int child = 2 * at + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && less(arr[child + 1], arr[child], a, b)) {
                child++;
            }
            if (!less(arr[child], item, a, b)) {
                break;
            }
            arr[at] = arr[child];
            pos[b][arr[at]] = at;
            at = child;
        }
        arr[at] = item;
        pos[b][item] = at;
    }
}
