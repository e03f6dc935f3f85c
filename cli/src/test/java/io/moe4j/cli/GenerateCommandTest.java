package io.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moe4j.nn.io.Checkpoints;
import io.moe4j.nn.io.Llama2cCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * External oracle: llama2.c's {@code ./run stories260K.bin -z tok512.bin -t 0.0 -n 200} (test vector
 * stories260K_greedy_t0.json: the 200 ids after BOS and llama2.c's printed text). With the empty
 * prompt ([BOS]) llama2.c's -n 200 samples 200 tokens, which is our --max-tokens 200.
 */
class GenerateCommandTest {
    static int[] expectedIds;
    static String expectedText;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void oracle() throws IOException {
        JsonNode g = JSON.readTree(Files.readString(Cli.evalResources().resolve("golden/stories260K_greedy_t0.json")));
        assertEquals(200, g.get("steps").asInt());
        assertEquals("./run stories260K.bin -z tok512.bin -t 0.0 -n 200", g.get("command_equivalent").asText());
        expectedIds = JSON.convertValue(g.get("expected_token_ids_after_bos"), int[].class);
        expectedText = g.get("expected_text").asText();
        assertEquals(200, expectedIds.length);
    }

    private static void checkJson(Cli.Result r) throws IOException {
        assertEquals(0, r.code(), r.toString());
        JsonNode o = JSON.readTree(r.out());
        assertArrayEquals(new int[] {1}, JSON.convertValue(o.get("prompt_ids"), int[].class));
        assertArrayEquals(expectedIds, JSON.convertValue(o.get("ids"), int[].class));
        assertEquals(expectedText, o.get("text").asText());
    }

    @Test
    void greedyLegacyFileReproducesLlama2c() throws IOException {
        checkJson(Cli.run("generate", "--model", Cli.stories().resolve("stories260K.bin"), "--temperature", "0",
                "--max-tokens", "200", "--json"));
    }

    @Test
    void greedyV1FileWithTokenizerBesideItReproducesLlama2c(@TempDir Path tmp) throws IOException {
        Checkpoints.Loaded legacy = Checkpoints.load(Cli.stories().resolve("stories260K.bin"));
        Path v1 = tmp.resolve("stories260K_v1.bin");
        Llama2cCheckpoint.writeV1(v1, legacy.config(), legacy.weights());
        Files.copy(Cli.stories().resolve("tok512.bin"), tmp.resolve("tok512.bin"));
        checkJson(Cli.run("generate", "--model", v1, "--temperature", "0", "--max-tokens", "200", "--json"));
    }

    @Test
    void streamedTextIsLlama2cOutput() {
        Cli.Result r = Cli.run("generate", "--model", Cli.stories().resolve("stories260K.bin"), "--temperature", "0", "--max-tokens", "200");
        assertEquals(0, r.code(), r.toString());
        assertEquals(expectedText + System.lineSeparator(), r.out());
        assertTrue(r.err().contains("tokens/s"), r.err());
    }

    @Test
    void promptTokensCountApartFromMaxTokens() throws IOException {
        Cli.Result r = Cli.run("generate", "--model", Cli.stories().resolve("stories260K.bin"), "--temperature", "0",
                "--max-tokens", "5", "--prompt", "Once upon a time", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode o = JSON.readTree(r.out());
        assertEquals(5, o.get("ids").size());
        assertTrue(o.get("text").asText().startsWith("Once upon a time"), o.get("text").asText());
    }

    @Test
    void missingModelAndBadSamplingAreOneLineErrors() {
        Cli.Result r = Cli.run("generate", "--model", "no/such/model.bin");
        assertEquals(1, r.code());
        assertEquals("moe4j generate: error: --model no/such/model.bin: no such file or directory", r.err().strip());
        Cli.Result t = Cli.run("generate", "--model", Cli.stories().resolve("stories260K.bin"), "--top-p", "1.5");
        assertEquals(1, t.code());
        assertTrue(t.err().strip().lines().count() == 1 && t.err().contains("top-p"), t.err());
    }
}
