package io.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moe4j.moe.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code moe4j info} from a config.json alone: LLaMA-2-7B and LLaMA-MoE-3.5B (4/16) as METHOD.md §1
 * counts them (6.74 B total; 3.494 B activated), and from a model file.
 */
class InfoCommandTest {
    static final String LLAMA2_7B = "\"vocab_size\": 32000, \"hidden_size\": 4096, \"intermediate_size\": 11008, "
            + "\"num_hidden_layers\": 32, \"num_attention_heads\": 32, \"num_key_value_heads\": 32, \"hidden_act\": \"silu\", "
            + "\"max_position_embeddings\": 4096, \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0, \"rope_scaling\": null, "
            + "\"attention_bias\": false, \"tie_word_embeddings\": false";

    @Test
    void llama2SevenBillionFromItsConfig(@TempDir Path tmp) throws IOException {
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, "{\"model_type\": \"llama\", " + LLAMA2_7B + "}");
        Cli.Result r = Cli.run("info", "--config", cfg, "--context", "4096");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("dense LLaMA") && r.out().contains("layers 32"), r.out());
        assertTrue(r.out().contains("total params      6,738,415,616 (6.738 B)"), r.out());
        assertTrue(r.out().contains("activated params  6,738,415,616"), r.out());
        assertTrue(r.out().contains("at context 4096"), r.out());
        Cli.Result j = Cli.run("info", "--config", cfg, "--context", "4096", "--json");
        com.fasterxml.jackson.databind.JsonNode o = new com.fasterxml.jackson.databind.ObjectMapper().readTree(j.out());
        assertEquals(6_738_415_616L, o.get("total_params").asLong());
        assertEquals(2 * o.get("matmul_params").asLong() + 4L * 32 * 4096 * 4096, o.get("flops_per_token").asLong());
    }

    @Test
    void llamaMoe35BFromItsConfig(@TempDir Path tmp) throws IOException {
        String row = "[" + String.join(", ", Collections.nCopies(16, "688")) + "]";
        String sizes = "[" + String.join(", ", Collections.nCopies(32, row)) + "]";
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"llama_moe\", " + LLAMA2_7B
                + ", \"num_experts\": 16, \"num_selects\": 4, \"size_experts\": " + sizes + ", \"gate_type\": \"TopKBalancedNoisyGate\", "
                + "\"gate_network\": \"mlp\", \"gate_add_noise\": true, \"score_scale_factor\": 4.0}");
        Cli.Result r = Cli.run("info", "--config", tmp);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("LLaMA-MoE") && r.out().contains("experts 16, top-4, expert sizes 16x688"), r.out());
        assertTrue(r.out().contains("activated params  3,494,129,664 (3.494 B), router noise weights counted in total only"), r.out());
        assertTrue(r.out().contains("total params      6,742,618,112 (6.743 B)"), r.out());
    }

    @Test
    void modelFileCountMatchesTheLoadedModel() throws IOException {
        Path bin = Cli.stories().resolve("stories260K.bin");
        long n = Models.load(bin).model().parameterCount();
        Cli.Result r = Cli.run("info", "--model", bin);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "total params      %,d", n)), r.out());
        assertTrue(!r.out().contains("the loaded model holds"), r.out());
    }

    @Test
    void needsExactlyOneSource() {
        assertEquals(2, Cli.run("info").code());
        assertEquals(1, Cli.run("info", "--model", "nowhere.bin").code());
    }
}
