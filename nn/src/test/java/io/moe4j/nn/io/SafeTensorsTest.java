package io.moe4j.nn.io;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.Half;
import io.moe4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.moe4j.nn.io.IoTestSupport.assertOneLineError;
import static io.moe4j.nn.io.IoTestSupport.io;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    /** A file made by hand (not by our writer): 8-byte LE length, header, data. */
    private Path craft(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.write(h);
        out.write(data);
        Path p = tmp.resolve(name);
        Files.write(p, out.toByteArray());
        return p;
    }

    private static byte[] le(int bytesPer, long... values) {
        ByteBuffer b = ByteBuffer.allocate(bytesPer * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            if (bytesPer == 2) b.putShort((short) v);
            else if (bytesPer == 4) b.putInt((int) v);
            else b.putLong(v);
        }
        return b.array();
    }

    @Test
    void readsAHandMadeFileWithHalfTypes() throws IOException {
        // BF16 0x3f80 = 1, 0xc000 = -2, 0x4049 = 3.140625; F16 0x3c00 = 1, 0x3555 = 0.333251953125,
        // 0x0001 = 2^-24 (smallest subnormal), 0xfbff = -65504 (most negative finite).
        byte[] bf16 = le(2, 0x3f80, 0xc000, 0x4049);
        byte[] f16 = le(2, 0x3c00, 0x3555, 0x0001, 0xfbff);
        byte[] f32 = le(4, Float.floatToRawIntBits(1.5f), Float.floatToRawIntBits(-0.0f));
        byte[] data = new byte[6 + 8 + 8];
        System.arraycopy(f32, 0, data, 0, 8);
        System.arraycopy(f16, 0, data, 8, 8);
        System.arraycopy(bf16, 0, data, 16, 6);
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[16,22]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[8,16]},"
                + "\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}   ";
        Path p = craft("hand.safetensors", header, data);
        LinkedHashMap<String, Tensor> t = SafeTensors.load(p);
        assertEquals(List.of("b", "h", "f"), List.copyOf(t.keySet()), "header order");
        assertArrayEquals(new float[] {1f, -2f, 3.140625f}, t.get("b").toFloatArray());
        assertArrayEquals(new float[] {1f, 0.333251953125f, 0x1p-24f, -65504f}, t.get("h").toFloatArray());
        assertArrayEquals(new int[] {2, 2}, t.get("h").shape());
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(t.get("f").toFloatArray()[1]));
        try (SafeTensors.Reader r = SafeTensors.Reader.open(p)) {
            assertEquals(Map.of("format", "pt"), r.metadata());
        }
    }

    @Test
    void writerRoundTripsAndAlignsTheHeader() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("z.weight", Tensor.randn(1, DType.F32, 1, 3, 5));
        in.put("a.bias", Tensor.randn(2, DType.F32, 1, 7));
        in.put("scalar", Tensor.of(new float[] {42f}));
        in.put("empty", Tensor.zeros(DType.F32, 0, 4));
        in.put("ids", Tensor.ofInts(new int[] {1, -2, 3}, 3));
        in.put("dbl", Tensor.of(new double[] {Math.PI, -1e300}, 2));
        in.put("view", Tensor.randn(3, DType.F32, 1, 4, 6).transpose(0, 1)); // non-contiguous input
        Path p = tmp.resolve("rt.safetensors");
        SafeTensors.save(p, in, Map.of("note", "é"), DType.F32);
        byte[] raw = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8, "data section starts 8-byte aligned");
        String header = new String(raw, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"note\":\"é\"}"), header);
        assertTrue(header.stripTrailing().endsWith("}") && header.length() - header.stripTrailing().length() < 8, "space padding");
        try (SafeTensors.Reader r = SafeTensors.Reader.open(p)) {
            assertEquals(List.of("a.bias", "dbl", "empty", "ids", "scalar", "view", "z.weight"), List.copyOf(r.entries().keySet()), "sorted");
            for (String name : in.keySet()) {
                Tensor want = in.get(name), got = r.read(name);
                assertEquals(want.dtype(), got.dtype(), name);
                assertArrayEquals(want.shape(), got.shape(), name);
                assertArrayEquals(want.toDoubleArray(), got.toDoubleArray(), 0.0, name);
            }
        }
    }

    @Test
    void halfStorageRoundsToNearestEven() throws IOException {
        float[] v = {1f, 1.00390625f, 1.0078125f, -3.3f, 65504f, 1e-7f, 0f};
        Map<String, Tensor> in = Map.of("w", Tensor.of(v, v.length));
        for (DType d : new DType[] {DType.BF16, DType.F16}) {
            Path p = tmp.resolve(d + ".safetensors");
            SafeTensors.save(p, in, Map.of(), d);
            assertEquals(8 + headerLen(p) + 2L * v.length, Files.size(p), "2 bytes per element");
            float[] got = SafeTensors.load(p).get("w").toFloatArray();
            for (int k = 0; k < v.length; k++) {
                float want = d == DType.BF16 ? Half.bf16ToFloat(Half.floatToBf16(v[k])) : Half.f16ToFloat(Half.floatToF16(v[k]));
                assertEquals(want, got[k], d + " element " + k);
            }
            // 1 + 2^-8 is a BF16 tie between 1 and 1 + 2^-7: even mantissa wins, so 1.
            if (d == DType.BF16) assertEquals(1f, got[1]);
            if (d == DType.F16) assertEquals(65504f, got[4]);
        }
    }

    private static long headerLen(Path p) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    // ---------------------------------------------------------------- bad input

    private static final String OK_ENTRY = "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        Path p = craft("long.safetensors", "{" + OK_ENTRY + "}", new byte[8]);
        byte[] b = Files.readAllBytes(p);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(p, b);
        assertOneLineError(io(() -> SafeTensors.load(p)), p.toString(), "header length 1099511627776 exceeds the file size");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1);
        Files.write(p, b);
        assertOneLineError(io(() -> SafeTensors.load(p)), p.toString(), "18446744073709551615");
        Path tiny = tmp.resolve("tiny.safetensors");
        Files.write(tiny, new byte[5]);
        assertOneLineError(io(() -> SafeTensors.load(tiny)), tiny.toString(), "too short");
    }

    @Test
    void offsetsThatLieAboutSizes() throws IOException {
        assertBad("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "\"w\"", "span 8 bytes", "needs 12");
        assertBad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "\"w\"", "out of range");
        assertBad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "\"w\"", "out of range");
        assertBad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, "data section is 12 bytes", "cover only 8");
        assertBad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "[0, 4)", "belong to no tensor");
        assertBad("{" + OK_ENTRY + ",\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "\"v\"", "overlaps", "\"w\"");
        assertBad("{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536,4],\"data_offsets\":[0,8]}}", 8, "\"w\"", "more elements");
        assertBad("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "\"w\"", "shape[0] = -2");
        assertBad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "\"w\"", "[begin, end]");
        assertBad("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "\"w\"", "shape must be a JSON array");
    }

    @Test
    void unknownDtypeAndBadHeaders() throws IOException {
        assertBad("{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "\"w\"", "unsupported dtype \"I64\"");
        assertBad("{\"w\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "\"w\"", "unsupported dtype \"Q4\"");
        assertBad("[1]", 0, "does not start with '{'");
        assertBad("{\"w\":1}", 0, "\"w\" must be a JSON object");
        assertBad("{" + OK_ENTRY + ",}", 8, "invalid JSON at byte");
        assertBad("{\"__metadata__\":{\"k\":1}," + OK_ENTRY + "}", 8, "__metadata__ value \"k\" must be a string");
    }

    private void assertBad(String header, int dataBytes, String... parts) throws IOException {
        Path p = craft("bad" + Math.abs(header.hashCode()) + ".safetensors", header, new byte[dataBytes]);
        String[] all = new String[parts.length + 1];
        all[0] = p.toString();
        System.arraycopy(parts, 0, all, 1, parts.length);
        assertOneLineError(io(() -> SafeTensors.load(p)), all);
    }
}
