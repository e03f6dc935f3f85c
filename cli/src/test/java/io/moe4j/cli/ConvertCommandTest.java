package io.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code moe4j convert}: errors before any work, and a converted model that the other commands use. */
class ConvertCommandTest {
    @TempDir
    Path tmp;

    private Cli.Result convert(Path out, Object... more) {
        Object[] base = {"convert", "--model", Cli.stories().resolve("stories260K.bin"), "--out", out};
        Object[] all = new Object[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return Cli.run(all);
    }

    private void fails(String expected, Object... args) {
        Path out = tmp.resolve("never");
        Cli.Result r = convert(out, args);
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertFalse(Files.exists(out), "no output may be written on an option error");
    }

    @Test
    void optionErrorsComeFirst() {
        fails("--top-k 3 must be between 1 and --experts 2", "--method", "random", "--experts", "2", "--top-k", "3");
        fails("unknown conversion method 'magic'", "--method", "magic", "--experts", "8", "--top-k", "2");
        fails("needs --data", "--method", "sharing-inner", "--experts", "8", "--top-k", "2");
        fails("--top-k must be 1", "--method", "random", "--experts", "8", "--top-k", "2", "--gate-type", "switch");
        fails("--scale must be N/K or a number", "--method", "random", "--experts", "8", "--top-k", "2", "--scale", "big");
        fails("unknown gate network 'deep'", "--method", "random", "--experts", "8", "--top-k", "2", "--gate", "deep");
    }

    @Test
    void convertedModelRunsEverywhereAndCannotBeConvertedAgain() throws IOException {
        Path out = tmp.resolve("moe");
        Cli.Result r = convert(out, "--method", "random", "--experts", "8", "--top-k", "2", "--scale", "4");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("random split, 8 experts, top-2, sf 4"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("config.json")) && Files.isRegularFile(out.resolve("tokenizer.bin")));
        assertEquals(8, new ObjectMapper().readTree(out.resolve("config.json").toFile()).get("num_experts").asInt());

        Cli.Result info = Cli.run("info", "--model", out);
        assertTrue(info.code() == 0 && info.out().contains("experts 8, top-2"), info.toString());
        Cli.Result gen = Cli.run("generate", "--model", out, "--temperature", "0", "--max-tokens", "8", "--json");
        assertEquals(0, gen.code(), gen.toString());

        Cli.Result again = Cli.run("convert", "--model", out, "--out", tmp.resolve("again"), "--method", "random",
                "--experts", "4", "--top-k", "1");
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already an MoE model (8 experts, top-2)"), again.err());
        assertFalse(Files.exists(tmp.resolve("again")));

        Cli.Result busy = convert(out, "--method", "random", "--experts", "4", "--top-k", "1");
        assertTrue(busy.code() == 1 && busy.err().contains("exists and is not empty"), busy.err());
    }

    @Test
    void sharingInnerReadsDocumentsForImportance() {
        Path data = Cli.evalResources().resolve("golden/TinyStories/validation_first50.jsonl");
        Path out = tmp.resolve("shared");
        Cli.Result r = convert(out, "--method", "sharing-inner", "--experts", "4", "--top-k", "2", "--data", data, "--docs", "8");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("importance scores from 8 documents"), r.err());
        assertTrue(Files.isRegularFile(out.resolve("config.json")));
    }
}
