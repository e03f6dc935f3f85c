package io.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code moe4j eval}: a real run over the repository's eval slices, and every bad input as a one-line error. */
class EvalCommandTest {
    @TempDir
    Path tmp;

    static final String PIQA = "{\"goal\": \"open a jar\", \"sol1\": \"twist the lid\", \"sol2\": \"eat the lid\", \"label\": %d}\n";

    private Cli.Result eval(Object... more) {
        Object[] base = {"eval", "--model", Cli.stories().resolve("stories260K.bin")};
        Object[] all = new Object[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return Cli.run(all);
    }

    private static void oneLineError(Cli.Result r, String expected) {
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("moe4j eval: error: ") && r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
    }

    @Test
    void runsTasksAndWritesEveryItem() throws IOException {
        Path slices = Cli.evalResources().resolve("eval-slices");
        Path json = tmp.resolve("out.json");
        Cli.Result r = eval("--tasks", "lambada_openai,piqa,winogrande,arc_easy", "--data-dir", slices, "--limit", "3",
                "--json", json, "--batch", "4");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("| Model | Avg | PIQA | WinoGrande | ARC-e | LAMBADA |"), r.out()); // paper order
        assertTrue(r.out().contains("| stories260K.bin |") && r.out().contains("tokens/s"), r.out());
        JsonNode tasks = new ObjectMapper().readTree(json.toFile()).get("tasks");
        assertEquals(4, tasks.size());
        for (JsonNode t : tasks) assertEquals(3, t.get("items").size(), t.get("task").asText());
        // generation (NQ) with fewer shots than the paper's 32, which the 20-item slice cannot supply
        Cli.Result nq = eval("--tasks", "nq_open", "--data-dir", slices, "--limit", "2", "--shots", "2");
        assertEquals(0, nq.code(), nq.toString());
        assertTrue(nq.out().contains("| NQ(2) |") && !nq.out().contains("generated 0 tokens"), nq.out());
    }

    @Test
    void unknownTask() {
        oneLineError(eval("--tasks", "piqa,squad", "--data-dir", tmp), "unknown task 'squad'");
    }

    @Test
    void missingDataFile() {
        oneLineError(eval("--tasks", "piqa", "--data-dir", tmp), "piqa");
    }

    @Test
    void goldOutOfRange() throws IOException {
        Files.createDirectories(tmp.resolve("piqa"));
        Files.writeString(tmp.resolve("piqa/validation.jsonl"), String.format(PIQA, 0) + String.format(PIQA, 7));
        oneLineError(eval("--tasks", "piqa", "--data-dir", tmp), "7");
    }

    @Test
    void emptyTaskFile() throws IOException {
        Files.createDirectories(tmp.resolve("piqa"));
        Files.writeString(tmp.resolve("piqa/validation.jsonl"), "");
        oneLineError(eval("--tasks", "piqa", "--data-dir", tmp), "no items");
    }

    @Test
    void missingModel() throws IOException {
        Files.createDirectories(tmp.resolve("piqa"));
        Files.writeString(tmp.resolve("piqa/validation.jsonl"), String.format(PIQA, 0));
        oneLineError(Cli.run("eval", "--model", tmp.resolve("none.bin"), "--tasks", "piqa", "--data-dir", tmp),
                "--model " + tmp.resolve("none.bin") + ": no such file or directory");
    }

    @Test
    void tokenizerOfAnotherModel() throws IOException {
        Files.createDirectories(tmp.resolve("piqa"));
        Files.writeString(tmp.resolve("piqa/validation.jsonl"), String.format(PIQA, 0));
        Path tok = tmp.resolve("tok600.bin"); // tok512.bin plus 88 extra pieces
        try (OutputStream o = Files.newOutputStream(tok)) {
            o.write(Files.readAllBytes(Cli.stories().resolve("tok512.bin")));
            for (int i = 0; i < 88; i++) {
                byte[] piece = ("x" + i).getBytes(StandardCharsets.UTF_8);
                o.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(-1e6f).putInt(piece.length).array());
                o.write(piece);
            }
        }
        oneLineError(eval("--tasks", "piqa", "--data-dir", tmp, "--tokenizer", tok), "tokenizer has 600 tokens but the model's vocab_size is 512");
    }
}
