package io.moe4j.train.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The named segments of a flat parameter buffer, validated once: unique names, no overlaps, all inside
 * {@link #totalLength()}. Elements not covered by any segment (alignment padding) are never touched by the
 * optimizer.
 *
 * <p>Why a separate class: the optimizer, the clipper and the non-finite check all need "which tensor owns
 * element i" and "is this buffer the right length"; checking that once here keeps their hot loops free of it.
 */
public final class ParamLayout {
    private final List<ParamSegment> segments;   // in the caller's order
    private final ParamSegment[] byOffset;       // sorted by offset, for lookups
    private final int[] offsets;                 // byOffset[i].offset()
    private final Map<String, ParamSegment> byName;
    private final int totalLength;

    /**
     * @param segments    the parameters; order is kept for {@link #segments()}
     * @param totalLength length of the flat buffers (>= the end of every segment)
     */
    public ParamLayout(List<ParamSegment> segments, int totalLength) {
        this.segments = List.copyOf(segments);
        this.byName = new HashMap<>();
        for (ParamSegment s : this.segments) {
            if (byName.put(s.name(), s) != null) {
                throw new IllegalArgumentException("ParamLayout: duplicate parameter name '" + s.name() + "'");
            }
            if (s.end() > totalLength) {
                throw new IllegalArgumentException("ParamLayout: segment " + s + " ends at " + s.end()
                        + ", beyond the buffer length " + totalLength);
            }
        }
        this.byOffset = this.segments.toArray(new ParamSegment[0]);
        Arrays.sort(byOffset, Comparator.comparingInt(ParamSegment::offset).thenComparingInt(ParamSegment::length));
        for (int i = 1; i < byOffset.length; i++) {
            if (byOffset[i].offset() < byOffset[i - 1].end()) {
                throw new IllegalArgumentException("ParamLayout: segments " + byOffset[i - 1] + " and " + byOffset[i]
                        + " overlap");
            }
        }
        this.offsets = new int[byOffset.length];
        for (int i = 0; i < byOffset.length; i++) {
            offsets[i] = byOffset[i].offset();
        }
        this.totalLength = totalLength;
    }

    /** A layout whose buffer length is the end of the last segment (no trailing padding). */
    public static ParamLayout of(List<ParamSegment> segments) {
        int end = 0;
        for (ParamSegment s : segments) {
            end = Math.max(end, s.end());
        }
        return new ParamLayout(segments, end);
    }

    /** Packs tensors back to back in the order added: {@code builder().add("w", 3, 4).add("b", 4).build()}. */
    public static Builder builder() {
        return new Builder();
    }

    public List<ParamSegment> segments() {
        return segments;
    }

    public int totalLength() {
        return totalLength;
    }

    /** The segment with this exact name, or an exception naming it. */
    public ParamSegment get(String name) {
        ParamSegment s = byName.get(name);
        if (s == null) {
            throw new IllegalArgumentException("ParamLayout: no parameter named '" + name + "'");
        }
        return s;
    }

    /** The segment that contains flat element {@code index}, or null if the element is padding. */
    public ParamSegment segmentAt(int index) {
        int i = Arrays.binarySearch(offsets, index);
        if (i < 0) {
            i = -i - 2;  // last segment starting before index
        }
        while (i >= 0 && i + 1 < byOffset.length && byOffset[i + 1].offset() == index) {
            i++;  // skip empty segments sharing the offset
        }
        if (i < 0) {
            return null;
        }
        ParamSegment s = byOffset[i];
        return index < s.end() ? s : null;
    }

    /** Checks that a flat buffer (parameters, gradients or a moment) has this layout's length. */
    public void checkLength(String what, float[] buffer) {
        if (buffer == null) {
            throw new IllegalArgumentException(what + " buffer is null");
        }
        if (buffer.length != totalLength) {
            throw new IllegalArgumentException(what + " buffer has length " + buffer.length
                    + ", expected " + totalLength + " (the parameter layout's length)");
        }
    }

    /** Builds a packed layout. */
    public static final class Builder {
        private final List<ParamSegment> list = new ArrayList<>();
        private long next;

        public Builder add(String name, int... shape) {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            if (next + n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("ParamLayout.Builder: '" + name
                        + "' would take the flat buffer past " + Integer.MAX_VALUE + " elements");
            }
            list.add(new ParamSegment(name, (int) next, (int) n, shape));
            next += n;
            return this;
        }

        public ParamLayout build() {
            return new ParamLayout(list, (int) next);
        }
    }
}
