package io.moe4j.nn.io;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.Half;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.Tensor;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Hugging Face safetensors format: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code name -> {dtype, shape, data_offsets: [begin, end)}} plus an optional string-to-string
 * {@code __metadata__}), then the raw little-endian C-order data, offsets relative to its start.
 *
 * <p>The reader memory-maps the file and validates every header number before touching data, with
 * the same rules as the reference implementation: the header must fit in the file, each range must
 * hold exactly shape×dtype bytes, and the ranges must tile the data section with no overlap, gap
 * or trailing bytes. F16/BF16 convert to F32 on read; F64 and I32 keep their dtype.
 */
public final class SafeTensors {
    /** Headers above this are rejected unread (the reference implementation uses the same bound). */
    public static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {}

    /** One header entry; {@code begin}/{@code end} are byte offsets into the data section. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        public int numel() {
            return Shape.numel(shape);
        }
    }

    /** Reads all tensors of one file. */
    public static LinkedHashMap<String, Tensor> load(Path file) throws IOException {
        try (Reader r = Reader.open(file)) {
            return r.readAll();
        }
    }

    /** Writes F32 tensors as F32 (and F64/I32 as themselves), with no metadata. */
    public static void save(Path file, Map<String, Tensor> tensors) throws IOException {
        save(file, tensors, Map.of(), DType.F32);
    }

    // ---------------------------------------------------------------- reader

    /** An open, validated file; tensors are read on demand so shards need not be loaded whole. */
    public static final class Reader implements AutoCloseable {
        private final Path file;
        private final FileChannel ch;
        private final long dataStart;
        private final Map<String, String> metadata;
        private final LinkedHashMap<String, Entry> entries;

        private Reader(Path file, FileChannel ch, long dataStart, Map<String, String> metadata, LinkedHashMap<String, Entry> entries) {
            this.file = file;
            this.ch = ch;
            this.dataStart = dataStart;
            this.metadata = metadata;
            this.entries = entries;
        }

        public static Reader open(Path file) throws IOException {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            try {
                long size = ch.size();
                if (size < 8) throw bad(file, "file is " + size + " bytes, too short for the 8-byte header length");
                long n = BinIO.map(ch, 0, 8).getLong(0);
                if (n < 0 || n > size - 8)
                    throw bad(file, "header length " + Long.toUnsignedString(n) + " exceeds the file size " + size);
                if (n > MAX_HEADER) throw bad(file, "header length " + n + " exceeds the " + (MAX_HEADER >> 20) + " MiB limit");
                byte[] json = new byte[(int) n];
                BinIO.map(ch, 8, n).get(json);
                if (n == 0 || json[0] != '{') throw bad(file, "header does not start with '{'");
                Map<String, Object> top = Json.asObject(Json.parse(json, file.toString()), file + ": header");
                Map<String, String> meta = new LinkedHashMap<>();
                LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
                for (Map.Entry<String, Object> e : top.entrySet()) {
                    if (e.getKey().equals("__metadata__")) meta = parseMetadata(file, e.getValue());
                    else entries.put(e.getKey(), entry(file, e.getKey(), e.getValue(), size - 8 - n));
                }
                checkTiling(file, entries, size - 8 - n);
                return new Reader(file, ch, 8 + n, Collections.unmodifiableMap(meta), entries);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }

        public Path file() { return file; }

        /** The {@code __metadata__} strings (empty when absent). */
        public Map<String, String> metadata() { return metadata; }

        /** The header entries in file order. */
        public Map<String, Entry> entries() { return Collections.unmodifiableMap(entries); }

        /** One tensor: F32 for F32/F16/BF16 data, F64 for F64, I32 for I32. */
        public Tensor read(String name) throws IOException {
            Entry e = entries.get(name);
            if (e == null) throw bad(file, "no tensor " + Json.write(name));
            long pos = dataStart + e.begin;
            int n = e.numel();
            return switch (e.dtype) {
                case F32 -> Tensor.of(BinIO.readF32(ch, pos, n), e.shape.clone());
                case F64 -> Tensor.of(BinIO.readF64(ch, pos, n), e.shape.clone());
                case I32 -> Tensor.ofInts(BinIO.readI32(ch, pos, n), e.shape.clone());
                case BF16, F16 -> {
                    short[] raw = BinIO.read16(ch, pos, n);
                    float[] f = new float[n];
                    if (e.dtype == DType.BF16) for (int k = 0; k < n; k++) f[k] = Half.bf16ToFloat(raw[k]);
                    else for (int k = 0; k < n; k++) f[k] = Half.f16ToFloat(raw[k]);
                    yield Tensor.of(f, e.shape.clone());
                }
            };
        }

        /** Every tensor, in header order. */
        public LinkedHashMap<String, Tensor> readAll() throws IOException {
            LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
            for (String name : entries.keySet()) out.put(name, read(name));
            return out;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    private static Map<String, String> parseMetadata(Path file, Object v) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : Json.asObject(v, file + ": __metadata__").entrySet())
            out.put(e.getKey(), Json.asString(e.getValue(), file + ": __metadata__ value " + Json.write(e.getKey())));
        return out;
    }

    private static Entry entry(Path file, String name, Object v, long dataLen) {
        String what = file + ": tensor " + Json.write(name);
        Map<String, Object> o = Json.asObject(v, what);
        Object dt = o.get("dtype");
        DType dtype = dtype(dt instanceof String s ? s : null);
        if (dtype == null)
            throw new IllegalArgumentException(what + ": unsupported dtype " + Json.write(dt) + " (supported: F32, F16, BF16, F64, I32)");
        List<Object> shapeJson = Json.asList(o.get("shape"), what + ": shape");
        int[] shape = new int[shapeJson.size()];
        long numel = 1;
        for (int k = 0; k < shape.length; k++) {
            long d = Json.asLong(shapeJson.get(k), what + ": shape[" + k + "]");
            if (d < 0 || d > Integer.MAX_VALUE) throw new IllegalArgumentException(what + ": shape[" + k + "] = " + d + " is out of range");
            shape[k] = (int) d;
            numel = BinIO.product(numel, d);
        }
        if (numel < 0 || numel > Integer.MAX_VALUE)
            throw new IllegalArgumentException(what + ": shape " + Json.write(shapeJson) + " has more elements than one Java array holds");
        List<Object> off = Json.asList(o.get("data_offsets"), what + ": data_offsets");
        if (off.size() != 2) throw new IllegalArgumentException(what + ": data_offsets must be [begin, end]");
        long begin = Json.asLong(off.get(0), what + ": data_offsets[0]");
        long end = Json.asLong(off.get(1), what + ": data_offsets[1]");
        if (begin < 0 || end < begin || end > dataLen)
            throw new IllegalArgumentException(what + ": data_offsets [" + begin + ", " + end + "] out of range for a data section of " + dataLen + " bytes");
        if (end - begin != numel * dtype.bytes)
            throw new IllegalArgumentException(what + ": data_offsets span " + (end - begin) + " bytes but shape "
                    + Shape.str(shape) + " of " + dtype + " needs " + numel * dtype.bytes);
        return new Entry(name, dtype, shape, begin, end);
    }

    /** Safetensors dtype name to ours, or null when we do not read it. */
    private static DType dtype(String s) {
        if (s == null) return null;
        return switch (s) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            case "F64" -> DType.F64;
            case "I32" -> DType.I32;
            default -> null;
        };
    }

    /** The ranges must cover [0, dataLen) exactly once: no overlap, no hole, nothing after the last. */
    private static void checkTiling(Path file, Map<String, Entry> entries, long dataLen) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        Entry prev = null;
        for (Entry e : sorted) {
            if (e.begin < at)
                throw bad(file, "tensor " + Json.write(e.name) + " [" + e.begin + ", " + e.end + ") overlaps tensor "
                        + Json.write(prev.name) + " [" + prev.begin + ", " + prev.end + ")");
            if (e.begin > at) throw bad(file, "data bytes [" + at + ", " + e.begin + ") belong to no tensor (before " + Json.write(e.name) + ")");
            at = e.end;
            prev = e;
        }
        if (at != dataLen) throw bad(file, "the data section is " + dataLen + " bytes but the tensors cover only " + at);
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException(file + ": " + what);
    }

    // ---------------------------------------------------------------- writer

    /**
     * Writes {@code tensors} sorted by name, atomically (temp file + rename). F32 tensors are stored
     * as {@code floatStorage} (F32, BF16 or F16, rounding to nearest even); F64 and I32 as themselves.
     * The header is padded with spaces to a multiple of 8 bytes so the data section starts aligned.
     */
    public static void save(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, DType floatStorage) throws IOException {
        if (floatStorage != DType.F32 && floatStorage != DType.BF16 && floatStorage != DType.F16)
            throw new IllegalArgumentException("safetensors writer: float storage must be F32, BF16 or F16, got " + floatStorage);
        TreeMap<String, Tensor> sorted = new TreeMap<>(tensors);
        LinkedHashMap<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        LinkedHashMap<String, DType> stored = new LinkedHashMap<>();
        long at = 0;
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            String name = e.getKey();
            if (name.isEmpty() || name.equals("__metadata__")) throw new IllegalArgumentException("safetensors writer: invalid tensor name " + Json.write(name));
            Tensor t = e.getValue();
            DType d = t.dtype() == DType.F32 ? floatStorage : t.dtype();
            long bytes = (long) t.numel() * d.bytes;
            LinkedHashMap<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", d.name());
            info.put("shape", t.shape());
            info.put("data_offsets", new long[] {at, at + bytes});
            header.put(name, info);
            stored.put(name, d);
            at += bytes;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[padded];
        System.arraycopy(json, 0, head, 0, json.length);
        for (int k = json.length; k < padded; k++) head[k] = ' ';
        BinIO.atomicWrite(file, out -> {
            out.u64(padded);
            out.bytes(head);
            for (Map.Entry<String, Tensor> e : sorted.entrySet()) writeData(out, e.getValue(), stored.get(e.getKey()));
        });
    }

    private static void writeData(BinIO.Out out, Tensor t, DType d) throws IOException {
        Tensor c = t.contiguous();
        int n = c.numel(), off = c.offset();
        switch (d) {
            case F32 -> out.f32(c.storage().f, off, n);
            case F64 -> out.f64(c.storage().d, off, n);
            case I32 -> out.i32(c.storage().i, off, n);
            case BF16 -> { for (int k = 0; k < n; k++) out.u16(Half.floatToBf16(c.storage().f[off + k])); }
            case F16 -> { for (int k = 0; k < n; k++) out.u16(Half.floatToF16(c.storage().f[off + k])); }
        }
    }

    /** Reads only the header (validated like {@link Reader#open}); handy for listing a file. */
    public static Map<String, Entry> header(Path file) throws IOException {
        try (Reader r = Reader.open(file)) {
            return new LinkedHashMap<>(r.entries());
        }
    }
}
