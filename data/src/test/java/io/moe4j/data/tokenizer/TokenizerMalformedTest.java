package io.moe4j.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that are not tokenizers must fail with a one-line IllegalArgumentException naming the
 * file and the problem, never an out-of-bounds error or an out-of-memory from a length field.
 */
class TokenizerMalformedTest {

    @TempDir
    Path dir;

    private Path write(String name, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), data);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Loads the file, expects a clean one-line error naming it and containing the fragment. */
    private static void assertClearError(Path file, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.load(file));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(file.toString()), msg);
        assertFalse(msg.contains("\n") || msg.contains("\r"), msg);
        assertTrue(msg.contains(fragment), msg);
    }

    @Test
    void randomBinaryUnderEveryName() throws IOException {
        for (long seed = 1; seed <= 20; seed++) {
            byte[] junk = random(4096, seed);
            assertClearError(write("junk" + seed + ".bin", junk), "not a llama2.c tokenizer.bin");
            assertClearError(write("junk" + seed + ".model", junk), "not a SentencePiece BPE model");
            assertClearError(write("junk" + seed + ".json", junk), "not valid JSON");
            assertClearError(write("junk" + seed + ".dat", junk), "not a tokenizer file");
        }
    }

    @Test
    void jsonWithoutModel() throws IOException {
        assertClearError(write("tokenizer.json", "{\"version\": \"1.0\"}".getBytes(StandardCharsets.UTF_8)),
                "no \"model\" object");
        assertClearError(write("wp.json", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}".getBytes(StandardCharsets.UTF_8)),
                "model.type is WordPiece");
        assertClearError(write("list.json", "[1, 2]".getBytes(StandardCharsets.UTF_8)), "not a JSON object");
        assertClearError(write("bad.json", "{\"model\": {\n\"vocab\": {\"a\": }".getBytes(StandardCharsets.UTF_8)),
                "not valid JSON");
    }

    @Test
    void truncatedRealFiles() throws IOException {
        byte[] model = Files.readAllBytes(TokenizerFixtures.resource(TokenizerFixtures.LLAMA2_MODEL));
        assertClearError(write("cut.model", Arrays.copyOf(model, 100_001)), "protobuf truncated");
        assertClearError(write("cut2.model", Arrays.copyOf(model, 100_003)), "bytes left");
        byte[] bin = Files.readAllBytes(TokenizerFixtures.resource(TokenizerFixtures.LLAMA2_BIN));
        assertClearError(write("cut.bin", Arrays.copyOf(bin, 1001)), "entry");
        assertClearError(write("empty.model", new byte[0]), "no pieces");
        assertClearError(write("empty.bin", new byte[0]), "0 bytes");
    }

    @Test
    void hugeLengthFieldsAreCheckedAgainstFileSize() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(27).putFloat(0f).putInt(Integer.MAX_VALUE).putInt(0);
        assertClearError(write("huge.bin", b.array()), "length 2147483647");
        ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(Integer.MAX_VALUE).putInt(0);
        assertClearError(write("hugemax.bin", h.array()), "max_token_length");
        // protobuf: field 1 (LEN) claiming 2^31 bytes.
        assertClearError(write("huge.model", new byte[] {0x0A, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08}),
                "exceeds");
        assertThrows(IllegalArgumentException.class, () -> Llama2cTokenizer.parse(new byte[64], "x", 1 << 30));
    }

    @Test
    void missingFilesDirectoriesAndBadGzip() throws IOException {
        assertClearError(dir.resolve("nope.model"), "no such tokenizer file");
        assertClearError(dir, "directory has none of");
        assertClearError(write("t.json.gz", random(100, 7)), "not valid gzip");
    }

    @Property(tries = 300)
    void arbitraryBytesGiveOnlyCleanErrors(@ForAll @Size(max = 300) byte[] data) {
        for (int format = 0; format < 3; format++) {
            try {
                switch (format) {
                    case 0 -> SentencePieceTokenizer.parse(data, "f.model");
                    case 1 -> Llama2cTokenizer.parse(data, "f.bin", -1);
                    default -> HfTokenizerJson.parse(data, null, "f.json");
                }
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().startsWith("f."), e.getMessage());
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            }
        }
    }
}
