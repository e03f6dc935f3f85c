package io.moe4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench-decode end to end on short sequences, with a shell script standing in for the llama2.c harness
 * (the real one is built outside the repository). The greedy ids of stories260K are checked against
 * run.c's own output in the shared oracle file when it is present.
 */
class DecodeBenchTest {
    private static final Path SMALL = Path.of(System.getProperty("moe4j.assets", "../assets"), "models/stories260K/stories260K.bin");
    private static final Path ORACLE = Path.of(System.getProperty("moe4j.shared", "../../shared"),
            "data/models/llama2c/stories260K_greedy_t0.json");

    @TempDir
    Path dir;

    /** A fake fwd_omp that prints the given lines. */
    private void fakePeer(String... lines) throws Exception {
        StringBuilder sh = new StringBuilder("#!/bin/sh\n");
        for (String l : lines) sh.append("echo '").append(l).append("'\n");
        Path bin = dir.resolve("fwd_omp");
        Files.writeString(bin, sh);
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Runs on stories260K only (it is also passed as the "15M" model to stay fast); returns [exit code, output]. */
    private Object[] run() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(SMALL), "no stories260K asset at " + SMALL);
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try (PrintStream p = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(p);
            code = DecodeBench.run(new DecodeBench.Options(SMALL, SMALL, dir, ORACLE, 2, 2, 2, new int[] {1}, 24, 0, Map.of()));
        } finally {
            System.setOut(old);
        }
        return new Object[] {code, buf.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void tableWithPeerRatiosAndIdCheck() throws Exception {
        fakePeer("fake: tok/s median 100", "ids: 403 407 261 378 432", "tps: 100.0 120.0", "cpu: 200.0 240.0");
        Object[] r = run();
        String out = (String) r[1];
        assertEquals(0, r[0], out);
        assertTrue(out.contains("greedy ids vs llama2.c run.c: OK (first 5 of 5 equal)"), out);
        assertTrue(out.contains("120 (100-120)"), "peer median of the 4 pooled samples (2 rounds x 2): " + out);
        if (Files.isRegularFile(ORACLE)) assertTrue(out.contains("stories260K_greedy_t0.json: OK (first 24 of 24 equal)"), out);
    }

    @Test
    void wrongPeerIdsFailTheRun() throws Exception {
        fakePeer("ids: 403 407 262", "tps: 100.0", "cpu: 100.0");
        Object[] r = run();
        assertEquals(1, r[0]);
        assertTrue(((String) r[1]).contains("llama2.c run.c: MISMATCH (first 2 of 3 equal)"), (String) r[1]);
    }

    @Test
    void peerWithoutSamplesIsAClearError() throws Exception {
        fakePeer("something else");
        var e = assertThrows(IllegalStateException.class, this::run);
        assertTrue(e.getMessage().contains("expected 'tps:' and 'ids:' lines"), e.getMessage());
    }

    @Test
    void badOptionsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new DecodeBench.Options(SMALL, SMALL, dir, null, 0, 1, 1, new int[] {1}, 8, 0, null));
        assertTrue(e.getMessage().contains("--reps"), e.getMessage());
    }
}
