package io.moe4j.train.cpt;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.moe4j.train.TinyModels;
import io.moe4j.train.run.MetricsLog;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped after step 5 and resumed from its checkpoint logs the same losses, gradient norms, expert loads and
 * validation losses, bit for bit, as an uninterrupted run, and ends with identical weights.
 *
 * <p>Each run is a fresh JVM with default JIT settings, so the first steps run interpreted and later ones compiled:
 * the kernels' bits must not depend on that ({@code io.moe4j.tensor.cpu.FloatMath} exists for it). The resumed
 * session runs on one thread, the others on two: static work partitions make the thread count irrelevant too.
 */
@Tag("slow")
class CptResumeTest {
    static final List<String> JVM_FLAGS = List.of("--add-modules", "jdk.incubator.vector", "-Xmx1g");

    @Test
    void stopAndResumeMatchesAnUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path model = TinyModels.stories260KMoe(tmp.resolve("moe"));
        Path data = TinyModels.corpusTiny();
        child(model, data, tmp.resolve("a"), 9, 0, false);
        child(model, data, tmp.resolve("b"), 9, 5, false);
        assertEquals(6, MetricsLog.read(tmp.resolve("b/metrics.jsonl")).size(), "first session ends after step 5");
        child(model, data, tmp.resolve("b"), 9, 0, true);
        compare(tmp.resolve("a"), tmp.resolve("b"));
    }

    /** Every per-step quantity that depends on the computation, and the final weights, must be bit-identical. */
    static void compare(Path a, Path b) throws Exception {
        List<JsonNode> ma = MetricsLog.read(a.resolve("metrics.jsonl")), mb = MetricsLog.read(b.resolve("metrics.jsonl"));
        assertEquals(ma.size(), mb.size(), "same number of metrics lines");
        for (int i = 0; i < ma.size(); i++)
            for (String k : List.of("step", "loss", "lm_loss", "balance_loss", "grad_norm", "lr", "expert_load", "sampler_weights", "val_loss"))
                assertEquals(ma.get(i).get(k), mb.get(i).get(k), "line " + i + " field " + k);
        assertArrayEquals(Files.readAllBytes(a.resolve("model/model.safetensors")), Files.readAllBytes(b.resolve("model/model.safetensors")),
                "final weights");
    }

    static void child(Path model, Path data, Path out, int steps, int stopAt, boolean resume) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(JVM_FLAGS);
        cmd.add("-Dmoe4j.threads=" + (resume ? 1 : 2)); // the kernels' bits do not depend on the thread count either
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CptChild.class.getName(), model.toString(), data.toString(),
                out.toString(), "" + steps, "" + stopAt, "" + resume));
        File log = out.resolveSibling(out.getFileName() + (resume ? ".resume" : "") + ".log").toFile();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child run timed out");
        assertEquals(0, p.exitValue(), () -> "child run failed: " + readQuietly(log));
    }

    private static String readQuietly(File f) {
        try {
            return Files.readString(f.toPath());
        } catch (Exception e) {
            return "(no log)";
        }
    }
}
