package io.moe4j.bench;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's {@code ./moe4j bench-*} lines (the cli module's README test runs the others),
 * each with its shortest settings appended so it finishes in seconds; the figures are then
 * meaningless, the point is that the documented commands work.
 */
class ReadmeBenchCommandsTest {
    @Test
    void readmeBenchmarkCommandsRun() throws Exception {
        Path root = Path.of(System.getProperty("moe4j.assets", "../assets")).toAbsolutePath().getParent();
        String readme = Files.readString(root.resolve("README.md"));
        Matcher block = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        int ran = 0;
        while (block.find())
            for (String line : block.group(1).split("\n")) {
                String cmd = line.replaceAll("\\s+#.*$", "").trim();
                if (!cmd.startsWith("./moe4j bench-")) continue;
                List<String> args = new ArrayList<>(List.of(cmd.substring("./moe4j ".length()).split("\\s+")));
                args.addAll(shortest(args.get(0)));
                assertEquals(0, Main.run(args.toArray(new String[0])), "README command failed: " + cmd);
                ran++;
            }
        assertTrue(ran >= 2, "README lists benchmark commands, ran " + ran);
        for (String c : List.of("bench-gemm", "bench-moe", "bench-decode", "bench-train"))
            assertEquals(0, Main.run(c, "--help"), c + " --help");
    }

    static List<String> shortest(String bench) {
        return switch (bench) {
            case "bench-gemm" -> List.of("--quick", "--no-blas", "--samples", "1", "--sample-ms", "20", "--threads", "1");
            case "bench-moe" -> List.of("--tokens", "128", "--reps", "1", "--warmup", "1");
            default -> List.of("--help");
        };
    }
}
