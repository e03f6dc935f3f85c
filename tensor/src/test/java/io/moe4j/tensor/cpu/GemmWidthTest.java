package io.moe4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The other vector widths. {@link SimdConfig} fixes the width once per JVM, so each width runs
 * {@link GemmWidthCheck} in a child JVM. 512 is forced even on a 256-bit machine: the Vector API then runs its
 * (slow) Java fallback, which is enough to check the 8-row kernel's arithmetic.
 */
class GemmWidthTest {
    @ParameterizedTest
    @ValueSource(ints = {0, 128, 256, 512})
    void widthMatchesReference(int bits) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-Dmoe4j.vector.bits=" + bits, "-Dmoe4j.vector.force=true", "-Dmoe4j.threads=2",
                "-cp", System.getProperty("java.class.path"), GemmWidthCheck.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM timed out");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("bits=" + bits + " ok"), text);
    }
}
