package io.moe4j.train.init;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.moe.Models;
import io.moe4j.moe.MoeConfig;
import io.moe4j.nn.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelInitTest {
    @TempDir
    Path tmp;

    private Path config() throws Exception {
        Path f = tmp.resolve("cfg.json");
        Files.writeString(f, """
                {"hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 2, "num_attention_heads": 8,
                 "num_key_value_heads": 4, "vocab_size": 512, "max_position_embeddings": 256, "rms_norm_eps": 1e-5,
                 "tie_word_embeddings": true}
                """);
        return f;
    }

    @Test
    void denseModelFromConfigRoundTrips() throws Exception {
        LlamaModel m = ModelInit.createAndSave(config(), tmp.resolve("dense"), 0, 2, null, 7, null);
        assertEquals(512, m.config().vocabSize());
        assertNull(Models.moeConfigOf(m));
        Models.Loaded back = Models.load(tmp.resolve("dense"));
        assertFalse(back.isMoe());
        assertEquals(m.config(), back.config());
        double sd = std(m.layer(0).attention().namedParams().values().iterator().next().data().toFloatArray());
        assertEquals(0.02, sd, 0.002, "HF init N(0, 0.02)");
    }

    @Test
    void moeModelSplitsTheWidthAndDefaultsTheScaleToNOverK() throws Exception {
        LlamaModel m = ModelInit.createAndSave(config(), tmp.resolve("moe"), 8, 2, null, 7, null);
        MoeConfig c = Models.moeConfigOf(m);
        assertArrayEquals(new int[] {22, 22, 22, 22, 21, 21, 21, 21}, c.layer(0).sizes(), "172 = 4*22 + 4*21");
        assertEquals(2, c.topK());
        assertEquals(4.0, c.layer(1).scale());
        assertTrue(Models.load(tmp.resolve("moe")).isMoe());
        LlamaModel again = ModelInit.create(config(), 8, 2, null, 7);
        assertArrayEquals(m.stateDict().get("model.layers.1.mlp.gate.gate_network.0.weight").toFloatArray(),
                again.stateDict().get("model.layers.1.mlp.gate.gate_network.0.weight").toFloatArray(), "seeded");
    }

    @Test
    void badInputIsReported() throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelInit.create(config(), 8, 9, null, 1)).getMessage()
                .contains("--top-k 9"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelInit.create(tmp.resolve("none.json"), 0, 2, null, 1))
                .getMessage().contains("no such file"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelInit.create(config(), 0, 4, null, 1)).getMessage()
                .contains("need --moe-experts"));
    }

    private static double std(float[] a) {
        double s = 0, s2 = 0;
        for (float x : a) {
            s += x;
            s2 += x * x;
        }
        double mean = s / a.length;
        return Math.sqrt(s2 / a.length - mean * mean);
    }
}
