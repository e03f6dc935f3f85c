package io.moe4j.nn.io;

import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.io.Checkpoints.Format;
import io.moe4j.nn.io.Checkpoints.Loaded;
import io.moe4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;

import static io.moe4j.nn.io.IoTestSupport.assertBitIdentical;
import static io.moe4j.nn.io.IoTestSupport.assertOneLineError;
import static io.moe4j.nn.io.IoTestSupport.io;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Llama2cCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void configMatchesProvenance() throws IOException {
        for (Path p : new Path[] {IoTestSupport.legacy(), IoTestSupport.v1()}) {
            LlamaConfig c = Llama2cCheckpoint.load(p).config();
            assertEquals(LlamaConfig.llama2c(64, 172, 5, 8, 4, 512, 512, true), c, p.toString());
            assertEquals(1e-5, c.normEps());
            assertEquals(10000.0, c.ropeTheta());
        }
    }

    @Test
    void legacyAndV1GiveBitIdenticalWeights() throws IOException {
        Loaded a = Llama2cCheckpoint.load(IoTestSupport.legacy());
        Loaded b = Llama2cCheckpoint.load(IoTestSupport.v1());
        assertEquals(Format.LLAMA2C_LEGACY, a.format());
        assertEquals(Format.LLAMA2C_V1, b.format());
        assertEquals(LlamaWeights.shapes(a.config()).keySet(), a.weights().keySet());
        assertEquals(1 + 5 * 9 + 1, a.weights().size(), "tied: no lm_head");
        assertBitIdentical(a.weights(), b.weights());
        long params = a.weights().values().stream().mapToLong(Tensor::numel).sum();
        assertEquals(a.config().parameterCount(), params);
    }

    @Test
    void firstFloatsSitWhereTheLegacyLayoutSays() throws IOException {
        // Independent of the reader: the embedding starts right after the 28-byte header and
        // rms_att of layer 0 right after the V*C embedding floats.
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(IoTestSupport.legacy())).order(ByteOrder.LITTLE_ENDIAN);
        Loaded a = Llama2cCheckpoint.load(IoTestSupport.legacy());
        assertEquals(raw.getFloat(28), a.weights().get(LlamaWeights.EMBED).get(0, 0));
        assertEquals(raw.getFloat(28 + 4 * (64 + 5)), a.weights().get(LlamaWeights.EMBED).get(1, 5));
        assertEquals(raw.getFloat(28 + 4 * 512 * 64), a.weights().get(LlamaWeights.layer(0, LlamaWeights.ATTN_NORM)).get(0));
    }

    @Test
    void v1WriterReproducesTheShippedFileByteForByte() throws IOException {
        Loaded legacy = Llama2cCheckpoint.load(IoTestSupport.legacy());
        Path out = tmp.resolve("out_v1.bin");
        Llama2cCheckpoint.writeV1(out, legacy.config(), legacy.weights());
        assertArrayEquals(Files.readAllBytes(IoTestSupport.v1()), Files.readAllBytes(out));
        assertEquals(1, Files.list(tmp).count(), "no temp file left behind");
    }

    @Test
    void legacyWriterMatchesTheShippedFile() throws IOException {
        Loaded v1 = Llama2cCheckpoint.load(IoTestSupport.v1());
        Path out = tmp.resolve("out.bin");
        Llama2cCheckpoint.writeLegacy(out, v1.config(), v1.weights());
        byte[] want = Files.readAllBytes(IoTestSupport.legacy()), got = Files.readAllBytes(out);
        assertEquals(want.length, got.length);
        // Everything but the freq_cis tables (recomputed; llama2.c's came from torch float32) is byte-identical.
        int freqStart = 28 + 4 * (int) v1.config().parameterCount(), freqBytes = 2 * 4 * 512 * 4;
        assertArrayEquals(Arrays.copyOfRange(want, 0, freqStart), Arrays.copyOfRange(got, 0, freqStart));
        ByteBuffer a = ByteBuffer.wrap(want).order(ByteOrder.LITTLE_ENDIAN), b = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = freqStart; k < freqStart + freqBytes; k += 4) // measured: ~10% differ, by 1 ulp at most
            assertTrue(Math.abs(a.getInt(k) - b.getInt(k)) <= 1, "freq_cis float at byte " + k + " within 1 ulp");
        // The last 64 floats before freq_cis are rms_final: the split point itself is right.
        assertEquals(v1.weights().get(LlamaWeights.NORM).get(63), a.getFloat(freqStart - 4));
        assertBitIdentical(v1.weights(), Llama2cCheckpoint.load(out).weights());
    }

    @Test
    void unsharedClassifierRoundTripsInBothFormats() throws IOException {
        LlamaConfig c = LlamaConfig.llama2c(8, 12, 2, 2, 1, 10, 6, false);
        LinkedHashMap<String, Tensor> w = IoTestSupport.randomWeights(c, 7);
        Path legacy = tmp.resolve("u.bin"), v1 = tmp.resolve("u_v1.bin");
        Llama2cCheckpoint.writeLegacy(legacy, c, w);
        Llama2cCheckpoint.writeV1(v1, c, w);
        assertEquals(-10, ByteBuffer.wrap(Files.readAllBytes(legacy)).order(ByteOrder.LITTLE_ENDIAN).getInt(20), "negative vocab = unshared");
        assertEquals(0, Files.readAllBytes(v1)[36], "shared_classifier byte");
        for (Path p : new Path[] {legacy, v1}) {
            Loaded l = Llama2cCheckpoint.load(p);
            assertEquals(c, l.config());
            assertBitIdentical(w, l.weights());
            assertTrue(l.weights().containsKey(LlamaWeights.LM_HEAD));
        }
    }

    @Test
    void checkpointsLoadPicksTheFormatByMagic() throws IOException {
        assertEquals(Format.LLAMA2C_LEGACY, Checkpoints.load(IoTestSupport.legacy()).format());
        assertEquals(Format.LLAMA2C_V1, Checkpoints.load(IoTestSupport.v1()).format());
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void truncatedFilesAreRejected() throws IOException {
        byte[] all = Files.readAllBytes(IoTestSupport.legacy());
        for (int len : new int[] {0, 3, 20, 1000, all.length - 1}) {
            Path p = write("trunc_" + len + ".bin", Arrays.copyOf(all, len));
            assertOneLineError(io(() -> Llama2cCheckpoint.load(p)), p.toString(), len < 28 ? "bytes" : "truncated");
        }
        byte[] v1 = Files.readAllBytes(IoTestSupport.v1());
        for (int len : new int[] {100, v1.length - 4}) {
            Path p = write("trunc_v1_" + len + ".bin", Arrays.copyOf(v1, len));
            assertOneLineError(io(() -> Llama2cCheckpoint.load(p)), p.toString(), "truncated");
        }
        Path longer = write("extra.bin", Arrays.copyOf(all, all.length + 4));
        assertOneLineError(io(() -> Llama2cCheckpoint.load(longer)), longer.toString(), "implies 1056540 bytes");
    }

    @Test
    void badHeaderFieldsAreRejected() throws IOException {
        byte[] all = Files.readAllBytes(IoTestSupport.legacy());
        assertField(all, 0, 0, "dim = 0");
        assertField(all, 0, -64, "dim = -64");
        assertField(all, 8, 2_000_000_000, "n_layers = 2000000000");
        assertField(all, 4, 1 << 24, "implies");            // in range, but the file is far too short
        assertField(all, 12, 7, "n_heads");                 // does not divide dim
        assertField(all, 20, Integer.MIN_VALUE, "vocab_size");
        byte[] v1 = Files.readAllBytes(IoTestSupport.v1());
        assertField(v1, 4, 2, "version 2");
        assertField(v1, 8 + 4 * 6, 0, "seq_len = 0");
        byte[] pad = v1.clone();
        pad[36] = 7;
        Path p = write("shared7.bin", pad);
        assertOneLineError(io(() -> Llama2cCheckpoint.load(p)), p.toString(), "shared_classifier");
    }

    private void assertField(byte[] file, int offset, int value, String expect) throws IOException {
        byte[] b = file.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        Path p = write("field_" + offset + "_" + value + ".bin", b);
        assertOneLineError(io(() -> Llama2cCheckpoint.load(p)), p.toString(), expect);
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void writerChecksTheStateDict() {
        LlamaConfig c = LlamaConfig.llama2c(8, 12, 1, 2, 2, 10, 6, true);
        LinkedHashMap<String, Tensor> w = IoTestSupport.randomWeights(c, 1);
        w.remove(LlamaWeights.layer(0, LlamaWeights.UP));
        assertOneLineError(io(() -> Llama2cCheckpoint.writeV1(tmp.resolve("x.bin"), c, w)), "missing tensor", "mlp.up_proj");
        w.put(LlamaWeights.layer(0, LlamaWeights.UP), Tensor.zeros(io.moe4j.tensor.DType.F32, 12, 9));
        assertOneLineError(io(() -> Llama2cCheckpoint.writeV1(tmp.resolve("x.bin"), c, w)), "mlp.up_proj", "[12, 9]", "[12, 8]");
    }
}
