package io.moe4j.data.cache;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only memory-mapped array of little-endian unsigned 16-bit, 32-bit or 64-bit elements of
 * any length. One MappedByteBuffer is limited to 2 GiB, so the file is mapped in 1 GiB segments;
 * elements never straddle a segment because the segment size is a multiple of every width.
 */
final class MappedArray {
    private static final int SEG_SHIFT = 30;
    private static final long SEG_MASK = (1L << SEG_SHIFT) - 1;

    private final MappedByteBuffer[] segments;
    /** Typed views of the segments for bulk copies (null for other widths). */
    private final ShortBuffer[] shorts;
    private final IntBuffer[] ints;
    private final int width;
    private final long length;

    private MappedArray(MappedByteBuffer[] segments, int width, long length) {
        this.segments = segments;
        this.width = width;
        this.length = length;
        this.shorts = width == 2 ? new ShortBuffer[segments.length] : null;
        this.ints = width == 4 ? new IntBuffer[segments.length] : null;
        for (int i = 0; i < segments.length; i++) {
            if (width == 2) shorts[i] = segments[i].asShortBuffer();
            if (width == 4) ints[i] = segments[i].asIntBuffer();
        }
    }

    /** Maps {@code file}, which must hold exactly {@code length} elements of {@code width} bytes. */
    static MappedArray map(Path file, int width, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long bytes = ch.size();
            if (bytes != length * width) {
                throw new CacheMismatchException(file + ": " + bytes + " bytes, the manifest expects " + length + " x "
                        + width + " = " + length * width + "; the cache is damaged, rebuild it");
            }
            int n = (int) ((bytes + SEG_MASK) >>> SEG_SHIFT);
            MappedByteBuffer[] segs = new MappedByteBuffer[n];
            for (int i = 0; i < n; i++) {
                long off = (long) i << SEG_SHIFT;
                segs[i] = ch.map(FileChannel.MapMode.READ_ONLY, off, Math.min(1L << SEG_SHIFT, bytes - off));
                segs[i].order(ByteOrder.LITTLE_ENDIAN);
            }
            return new MappedArray(segs, width, length);
        }
    }

    long length() {
        return length;
    }

    /** Element i as a non-negative long (unsigned for widths 2 and 4). */
    long get(long i) {
        if (i < 0 || i >= length) throw new IndexOutOfBoundsException("element " + i + " of " + length);
        long b = i * width;
        MappedByteBuffer seg = segments[(int) (b >>> SEG_SHIFT)];
        int off = (int) (b & SEG_MASK);
        return switch (width) {
            case 2 -> Short.toUnsignedLong(seg.getShort(off));
            case 4 -> Integer.toUnsignedLong(seg.getInt(off));
            default -> seg.getLong(off);
        };
    }

    /** Copies elements [from, from+len) into dst[off..] as ints (token ids fit in int). */
    void copyInts(long from, int[] dst, int off, int len) {
        if (from < 0 || len < 0 || from + len > length) {
            throw new IndexOutOfBoundsException("elements [" + from + ", " + (from + len) + ") of " + length);
        }
        int done = 0;
        short[] tmp = width == 2 ? new short[Math.min(len, 1 << 16)] : null;
        while (done < len) {
            long b = (from + done) * width;
            int seg = (int) (b >>> SEG_SHIFT);
            int idx = (int) (b & SEG_MASK) / width;
            int n = Math.min(len - done, segments[seg].limit() / width - idx);
            if (width == 2) {
                n = Math.min(n, tmp.length);
                shorts[seg].get(idx, tmp, 0, n);
                for (int k = 0; k < n; k++) dst[off + done + k] = tmp[k] & 0xffff;
            } else {
                ints[seg].get(idx, dst, off + done, n);
            }
            done += n;
        }
    }
}
