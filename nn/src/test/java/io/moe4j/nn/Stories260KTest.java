package io.moe4j.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * External oracle: llama2.c's greedy output for Karpathy's stories260K (GQA 8 query / 4 kv heads)
 * from {@code stories260K_greedy_t0.json}: 200 token ids after BOS, and the logits of the first
 * three positions. Both the KV-cache decode path and the full-sequence forward must reproduce them.
 */
class Stories260KTest {
    static LlamaModel model;
    static int[] expected;
    static String json;

    @BeforeAll
    static void load() throws IOException {
        Llama2cTestLoader.Loaded l = Llama2cTestLoader.stories260K();
        model = LlamaModel.fromStateDict(l.config(), l.stateDict());
        try (InputStream in = Stories260KTest.class.getResourceAsStream("/models/stories260K_greedy_t0.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        expected = ints(field(json, "expected_token_ids_after_bos"));
        assertEquals(200, expected.length);
    }

    @Test
    void configIsStories260K() {
        LlamaConfig c = model.config();
        assertEquals(LlamaConfig.llama2c(64, 172, 5, 8, 4, 512, 512, true), c);
    }

    @Test
    void kvCacheGreedyDecodeReproducesLlama2c() {
        int[] got = Sampler.generate(model, new int[] {1}, 200, Sampler.greedy(), 1);
        assertArrayEquals(expected, got);
    }

    @Test
    void kvCacheFirstLogitsMatch() {
        KvCache cache = model.newKvCache();
        int token = 1;
        for (int pos = 0; pos < 3; pos++) {
            float[] logits = model.forwardToken(token, pos, cache);
            checkPosition(pos, logits);
            token = expected[pos];
        }
    }

    @Test
    void fullForwardReproducesGreedyIdsAndLogits() {
        int[] seq = new int[200];
        seq[0] = 1;
        System.arraycopy(expected, 0, seq, 1, 199);
        float[] logits = TestModels.logits(model, new int[][] {seq});
        int v = model.config().vocabSize();
        for (int t = 0; t < 200; t++) {
            float[] row = java.util.Arrays.copyOfRange(logits, t * v, (t + 1) * v);
            assertEquals(expected[t], Sampler.argmax(row), "argmax at position " + t);
            if (t < 3) checkPosition(t, row);
        }
    }

    private static void checkPosition(int pos, float[] logits) {
        Matcher m = Pattern.compile("\"pos\": " + pos + ",.*?\"argmax\": (\\d+),\\s*\"logit_max\": ([-0-9.eE]+),\\s*\"logits_first8\": \\[([^\\]]*)\\]",
                Pattern.DOTALL).matcher(json);
        assertTrue(m.find(), "position " + pos + " in the golden file");
        assertEquals(Integer.parseInt(m.group(1)), Sampler.argmax(logits), "argmax at " + pos);
        assertEquals(Double.parseDouble(m.group(2)), logits[Sampler.argmax(logits)], 1e-4, "max logit at " + pos);
        double[] first8 = doubles(m.group(3));
        for (int i = 0; i < 8; i++) assertEquals(first8[i], logits[i], 1e-4, "logit " + i + " at position " + pos);
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\": \\[([^\\]]*)\\]").matcher(json);
        assertTrue(m.find(), name);
        return m.group(1);
    }

    static int[] ints(String list) {
        List<Integer> out = new ArrayList<>();
        for (String s : list.split(",")) if (!s.isBlank()) out.add(Integer.parseInt(s.trim()));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    static double[] doubles(String list) {
        String[] parts = list.split(",");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Double.parseDouble(parts[i].trim());
        return out;
    }

    /** The production reader (mapped, strict) and this test's independent plain reader agree bit for bit. */
    @Test
    void productionReaderAgreesWithTheIndependentTestReader() throws IOException {
        Llama2cTestLoader.Loaded l = Llama2cTestLoader.stories260K();
        java.nio.file.Path tmp = java.nio.file.Files.createTempFile("stories260K", ".bin");
        try (var in = getClass().getResourceAsStream("/models/stories260K.bin")) {
            java.nio.file.Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        var prod = io.moe4j.nn.io.Checkpoints.load(tmp);
        java.nio.file.Files.delete(tmp);
        assertEquals(l.config(), prod.config());
        assertEquals(l.stateDict().keySet(), prod.weights().keySet());
        var sd = model.stateDict();
        for (var e : l.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), prod.weights().get(e.getKey()).toFloatArray(), 0f, e.getKey());
            assertArrayEquals(e.getValue().toFloatArray(), sd.get(e.getKey()).toFloatArray(), 0f, e.getKey());
        }
    }
}
