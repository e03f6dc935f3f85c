package io.moe4j.data.tokenizer;

import java.util.Arrays;
import java.util.Map;

/**
 * The BPE merge loop shared by every tokenizer here: given a sequence of symbol ids, repeatedly
 * merge the adjacent pair with the best priority (ties go to the leftmost pair) until no adjacent
 * pair has a merge. SentencePiece uses the merged piece's score as priority, Hugging Face the
 * negated merge rank; both then behave as this single loop.
 *
 * <p>Why a heap over a linked list: the naive loop (scan all pairs, merge the best, repeat) is
 * O(n^2) on a whole normalized document, which SentencePiece encodes without splitting on
 * whitespace. Here each pair enters a min-heap once when it becomes adjacent, so a sequence of n
 * symbols costs O(n log n). Stale heap entries (a side already merged away) are detected at pop
 * time by re-looking up the current pair; because an entry's key is (priority, left index), a
 * current pair that matches the popped key is exactly the pair the naive loop would pick.
 *
 * <p>Symbol ids below zero never merge (SentencePiece user-defined pieces, characters that no
 * merge mentions). Instances are immutable and thread-safe; each call allocates its own work
 * arrays.
 */
final class BpeMerger {

    /** Marks a symbol slot whose content was merged into its left neighbour. */
    static final int DEAD = Integer.MIN_VALUE;

    private final PairTable pairs;
    private final int[] mergedId;
    private final int[] priority;

    /**
     * @param pairs    (left symbol, right symbol) to merge index
     * @param mergedId merge index to the symbol id of the merged result
     * @param priority merge index to its priority, larger merges first
     */
    BpeMerger(PairTable pairs, int[] mergedId, int[] priority) {
        this.pairs = pairs;
        this.mergedId = mergedId;
        this.priority = priority;
    }

    /**
     * Merges {@code sym[0..n)} in place. Surviving symbols are reached from index 0 through the
     * returned {@code next} array (-1 ends the list); merged-away slots hold {@link #DEAD}.
     *
     * @param trace if not null, receives merged id to packed (left, right) symbol ids for every
     *              merge whose result satisfies {@code traceIds[result]} (SentencePiece needs this
     *              to split "unused" pieces back); may be null
     */
    int[] merge(int[] sym, int n, boolean[] traceIds, Map<Integer, Long> trace) {
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        Heap heap = new Heap(Math.max(16, n));
        for (int i = 0; i + 1 < n; i++) push(heap, sym, i, i + 1);
        while (heap.size > 0) {
            long top = heap.pop();
            int left = (int) top;
            int right = next[left];
            if (sym[left] == DEAD || right < 0) continue;
            int m = lookup(sym[left], sym[right]);
            if (m < 0 || priority[m] != ~(int) (top >> 32)) continue; // stale entry
            int merged = mergedId[m];
            if (trace != null && merged < traceIds.length && traceIds[merged]) {
                trace.put(merged, ((long) sym[left] << 32) | (sym[right] & 0xFFFFFFFFL));
            }
            sym[left] = merged;
            sym[right] = DEAD;
            int after = next[right];
            next[left] = after;
            if (after >= 0) prev[after] = left;
            if (prev[left] >= 0) push(heap, sym, prev[left], left);
            if (after >= 0) push(heap, sym, left, after);
        }
        return next;
    }

    private int lookup(int a, int b) {
        if (a < 0 || b < 0) return -1;
        return pairs.get(PairTable.key(a, b));
    }

    private void push(Heap heap, int[] sym, int left, int right) {
        int m = lookup(sym[left], sym[right]);
        if (m < 0) return;
        // Min-heap key: ~priority ascending == priority descending; then left index ascending.
        heap.push(((long) ~priority[m] << 32) | left);
    }

    /** A binary min-heap of longs (priority in the high half, left index in the low half). */
    private static final class Heap {
        long[] a;
        int size;

        Heap(int capacity) {
            a = new long[capacity];
        }

        void push(long v) {
            if (size == a.length) a = Arrays.copyOf(a, a.length * 2);
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (a[p] <= v) break;
                a[i] = a[p];
                i = p;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long v = a[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int c = 2 * i + 1;
                if (c + 1 < size && a[c + 1] < a[c]) c++;
                if (v <= a[c]) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = v;
            return top;
        }
    }

    /** Maps a float score to an int with the same order (so scores can live in the heap key). */
    static int sortableScore(float score) {
        int bits = Float.floatToIntBits(score == 0f ? 0f : score); // -0.0 ties with 0.0, as in C++
        return bits < 0 ? bits ^ 0x7FFFFFFF : bits;
    }
}
