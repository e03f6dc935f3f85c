package io.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code io.moe4j.cli.Main train ...} killed with SIGKILL ({@link Process#destroyForcibly()}) at a random step, then resumed with
 * {@code --resume}, logs the same per-step losses, bit for bit, as an uninterrupted run, and ends with the same weights.
 *
 * <p>Both are child JVMs with default JIT settings: the resumed run reaches each step with the JIT in a different
 * state, so this also checks that no kernel's bits depend on whether it was compiled.
 */
@Tag("slow")
class TrainKillResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STEPS = 12;

    @Test
    void killedAndResumedRunMatchesAnUninterruptedOne(@TempDir Path tmp) throws Exception {
        Path model = TrainCommandTest.moe8x2(tmp.resolve("moe"));
        Path data = TrainCommandTest.corpusTiny();
        Path whole = tmp.resolve("whole"), killed = tmp.resolve("killed");
        assertEquals(0, start(model, data, whole, false, tmp.resolve("whole.log")).waitFor());

        // somewhere in steps 3 .. STEPS-3: once step 3 is logged, the step-2 checkpoint is on disk (killing at 2 could
        // land before it, and the resumed run would then rightly start from scratch)
        int killAfter = 3 + new Random().nextInt(STEPS - 5);
        Process p = start(model, data, killed, false, tmp.resolve("killed.log"));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (steps(killed) < killAfter && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(2);
        assertTrue(p.isAlive(), "the run ended before it could be killed: " + Files.readString(tmp.resolve("killed.log")));
        p.destroyForcibly();  // SIGKILL: no shutdown hooks, no flushing
        p.waitFor();
        int reached = steps(killed);
        assertTrue(reached < STEPS, "killed before the end (logged " + reached + " steps)");

        Process r = start(model, data, killed, true, tmp.resolve("resumed.log"));
        assertEquals(0, r.waitFor(), () -> read(tmp.resolve("resumed.log")));
        assertTrue(read(tmp.resolve("resumed.log")).contains("resuming"), "it resumed from a checkpoint");

        List<JsonNode> a = lines(whole), b = lines(killed);
        assertEquals(STEPS + 1, a.size());
        assertEquals(a.size(), b.size(), "killed at step ~" + reached);
        for (int i = 0; i < a.size(); i++)
            for (String k : List.of("step", "loss", "lm_loss", "balance_loss", "grad_norm", "expert_load", "val_loss"))
                assertEquals(a.get(i).get(k), b.get(i).get(k), "line " + i + " " + k + " (killed after step " + reached + ")");
        assertArrayEquals(Files.readAllBytes(whole.resolve("model/model.safetensors")),
                Files.readAllBytes(killed.resolve("model/model.safetensors")), "final weights");
    }

    private static Process start(Path model, Path data, Path out, boolean resume, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Dmoe4j.threads=2",
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "train", "--model", model.toString(), "--data", data.toString(), "--out", out.toString(), "--sampler", "static-sheared",
                "--seq-len", "64", "--batch", "4", "--lr", "2e-3", "--warmup", "2", "--steps", "" + STEPS, "--eval-every", "5",
                "--eval-batches", "1", "--checkpoint-every", "2"));
        if (resume) cmd.add("--resume");
        File f = log.toFile();
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(f)).start();
    }

    /** Steps logged so far (lines with step >= 1). */
    private static int steps(Path run) {
        int n = 0;
        for (JsonNode l : lines(run)) if (l.path("step").asInt() >= 1) n++;
        return n;
    }

    private static List<JsonNode> lines(Path run) {
        List<JsonNode> out = new ArrayList<>();
        Path f = run.resolve("metrics.jsonl");
        if (!Files.exists(f)) return out;
        try {
            for (String s : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                try {
                    out.add(JSON.readTree(s));
                } catch (Exception torn) {
                    // the line being written when the process died
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "";
        }
    }
}
