package io.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code moe4j perplexity} against the independent Python computation (make_ppl_golden.py):
 * stories260K on the first 50 TinyStories validation documents, seq-len 256, stride 256.
 */
class PerplexityCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void matchesTheIndependentComputationToFourDigits() throws IOException {
        Path golden = Cli.evalResources().resolve("golden");
        JsonNode want = JSON.readTree(Files.readString(golden.resolve("stories260K_ppl_golden.json"))).get("results").get(0);
        assertEquals(256, want.get("seq_len").asInt());
        assertEquals(256, want.get("stride").asInt());
        Cli.Result r = Cli.run("perplexity", "--model", Cli.stories().resolve("stories260K.bin"),
                "--data", golden.resolve("TinyStories/validation_first50.jsonl"), "--seq-len", "256", "--stride", "256", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode got = JSON.readTree(r.out()).get("domains").get(0);
        assertEquals("TinyStories", got.get("domain").asText());
        assertEquals(50, got.get("docs").asInt());
        assertEquals(want.get("tokens").asLong(), got.get("tokens").asLong());
        double p = want.get("perplexity").asDouble();
        assertEquals(p, got.get("perplexity").asDouble(), 5e-5 * p);
        double bpb = want.get("bits_per_byte").asDouble();
        assertEquals(bpb, got.get("bits_per_byte").asDouble(), 5e-5 * bpb);
    }

    @Test
    void tableHasOneRowPerDomainAndAnAllRow(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        for (String d : new String[] {"A", "B"}) {
            Files.createDirectories(tmp.resolve(d));
            Files.writeString(tmp.resolve(d + "/validation.jsonl"), "{\"text\": \"Once upon a time, " + d + " was happy.\"}\n");
        }
        Cli.Result r = Cli.run("perplexity", "--model", Cli.stories().resolve("stories260K.bin"), "--data", tmp, "--seq-len", "64");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("| A | 1 |") && r.out().contains("| B | 1 |") && r.out().contains("| all | 2 |"), r.out());
        assertTrue(r.out().contains("seq-len 64, stride 64") && r.out().contains("tokens/s"), r.out());
    }

    @Test
    void badWindowAndMissingDataAreOneLineErrors() {
        Path model = Cli.stories().resolve("stories260K.bin");
        Path data = Cli.evalResources().resolve("golden/TinyStories/validation_first50.jsonl");
        Cli.Result stride = Cli.run("perplexity", "--model", model, "--data", data, "--seq-len", "16", "--stride", "32");
        assertEquals(1, stride.code());
        assertTrue(stride.err().contains("--stride") && stride.err().strip().lines().count() == 1, stride.err());
        Cli.Result tooLong = Cli.run("perplexity", "--model", model, "--data", data, "--seq-len", "4096");
        assertTrue(tooLong.code() == 1 && tooLong.err().contains("max_seq_len 512"), tooLong.err());
        Cli.Result missing = Cli.run("perplexity", "--model", model, "--data", "no/such.jsonl");
        assertTrue(missing.code() == 1 && missing.err().contains("--data no/such.jsonl: no such file"), missing.err());
    }
}
