package io.moe4j.nn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Little-endian binary helpers shared by the checkpoint formats. Reads go through memory-mapped
 * windows of at most {@link #WINDOW} bytes, so files beyond 2 GiB work and nothing is allocated
 * before the caller has checked the sizes against the file length. Writes go to a temporary file
 * that is renamed over the target, so a crash never leaves a half-written checkpoint.
 */
final class BinIO {
    /** Map window size: a multiple of every element size, well under the 2 GiB map limit. */
    static final long WINDOW = 1L << 28;

    private BinIO() {}

    /** A read-only little-endian view of {@code len} (≤ {@link #WINDOW}) bytes at {@code pos}. */
    static ByteBuffer map(FileChannel ch, long pos, long len) throws IOException {
        return ch.map(FileChannel.MapMode.READ_ONLY, pos, len).order(ByteOrder.LITTLE_ENDIAN);
    }

    static float[] readF32(FileChannel ch, long pos, int n) throws IOException {
        float[] out = new float[n];
        long per = WINDOW / 4;
        for (int done = 0; done < n; ) {
            int m = (int) Math.min(n - done, per);
            map(ch, pos + 4L * done, 4L * m).asFloatBuffer().get(out, done, m);
            done += m;
        }
        return out;
    }

    static double[] readF64(FileChannel ch, long pos, int n) throws IOException {
        double[] out = new double[n];
        long per = WINDOW / 8;
        for (int done = 0; done < n; ) {
            int m = (int) Math.min(n - done, per);
            map(ch, pos + 8L * done, 8L * m).asDoubleBuffer().get(out, done, m);
            done += m;
        }
        return out;
    }

    static int[] readI32(FileChannel ch, long pos, int n) throws IOException {
        int[] out = new int[n];
        long per = WINDOW / 4;
        for (int done = 0; done < n; ) {
            int m = (int) Math.min(n - done, per);
            map(ch, pos + 4L * done, 4L * m).asIntBuffer().get(out, done, m);
            done += m;
        }
        return out;
    }

    static short[] read16(FileChannel ch, long pos, int n) throws IOException {
        short[] out = new short[n];
        long per = WINDOW / 2;
        for (int done = 0; done < n; ) {
            int m = (int) Math.min(n - done, per);
            map(ch, pos + 2L * done, 2L * m).asShortBuffer().get(out, done, m);
            done += m;
        }
        return out;
    }

    /** Product of dims as a long, or -1 when it would overflow a long. */
    static long product(int[] dims) {
        long[] l = new long[dims.length];
        for (int k = 0; k < dims.length; k++) l[k] = dims[k];
        return product(l);
    }

    static long product(long... dims) {
        long p = 1;
        for (long d : dims) {
            if (d < 0) return -1;
            try {
                p = Math.multiplyExact(p, d);
            } catch (ArithmeticException overflow) {
                return -1;
            }
        }
        return p;
    }

    // ---------------------------------------------------------------- writing

    /** What {@link #atomicWrite} runs against the temporary file. */
    interface Body {
        void write(Out out) throws IOException;
    }

    /** Writes {@code target} via a sibling temp file, fsync and rename; the temp file is removed on failure. */
    static void atomicWrite(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 Out out = new Out(ch)) {
                body.write(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A buffered little-endian writer over a channel. */
    static final class Out implements AutoCloseable {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);

        Out(FileChannel ch) {
            this.ch = ch;
        }

        private void room(int bytes) throws IOException {
            if (buf.remaining() < bytes) flush();
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) ch.write(buf);
            buf.clear();
        }

        void i32(int v) throws IOException { room(4); buf.putInt(v); }

        void u8(int v) throws IOException { room(1); buf.put((byte) v); }

        void u64(long v) throws IOException { room(8); buf.putLong(v); }

        void bytes(byte[] b) throws IOException {
            for (int k = 0; k < b.length; ) {
                room(1);
                int m = Math.min(b.length - k, buf.remaining());
                buf.put(b, k, m);
                k += m;
            }
        }

        void f32(float[] a, int off, int n) throws IOException {
            while (n > 0) {
                room(4);
                int m = Math.min(n, buf.remaining() / 4);
                buf.asFloatBuffer().put(a, off, m); // the view inherits little-endian order
                buf.position(buf.position() + 4 * m);
                off += m;
                n -= m;
            }
        }

        void f64(double[] a, int off, int n) throws IOException {
            for (int k = 0; k < n; k++) { room(8); buf.putDouble(a[off + k]); }
        }

        void i32(int[] a, int off, int n) throws IOException {
            for (int k = 0; k < n; k++) { room(4); buf.putInt(a[off + k]); }
        }

        void u16(short v) throws IOException { room(2); buf.putShort(v); }

        @Override
        public void close() {
            // the channel belongs to the caller
        }
    }
}
