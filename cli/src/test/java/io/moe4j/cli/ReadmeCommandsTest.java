package io.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs every {@code ./moe4j} line of README.md's bash blocks, in order, through {@link Main#run},
 * so the documentation cannot rot. Paths under {@code runs/} go to a temporary folder, other
 * relative paths resolve against the repository root. Exceptions, each with its reason:
 * {@code demo} (CI runs the full demo, {@link DemoQuickTest} runs {@code --quick}), and benchmark
 * commands, which the bench module registers and runs (ReadmeBenchCommandsTest there).
 */
class ReadmeCommandsTest {
    static Path root() {
        return Path.of(System.getProperty("moe4j.assets", "../assets")).toAbsolutePath().getParent();
    }

    static List<String> commands(String readme) {
        List<String> out = new ArrayList<>();
        Matcher block = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        while (block.find())
            for (String line : block.group(1).replace("\\\n", " ").split("\n")) {
                String cmd = line.replaceAll("\\s+#.*$", "").trim();
                if (cmd.startsWith("./moe4j ")) out.add(cmd.substring("./moe4j ".length()));
            }
        return out;
    }

    /** Shell-like splitting with double quotes. */
    static List<String> split(String cmd) {
        List<String> args = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(cmd);
        while (m.find()) args.add(m.group(1) != null ? m.group(1) : m.group(2));
        return args;
    }

    @Test
    void everyReadmeCommandRuns() throws IOException {
        Path root = root(), tmp = Files.createTempDirectory("readme");
        List<String> cmds = commands(Files.readString(root.resolve("README.md")));
        assertTrue(cmds.size() >= 10, "README lists its commands in bash blocks, found " + cmds);
        int ran = 0;
        for (String cmd : cmds) {
            List<String> args = new ArrayList<>();
            for (String a : split(cmd)) {
                if (args.isEmpty()) { args.add(a); continue; } // the command name is never a path
                if (a.startsWith("runs/")) a = tmp.resolve(a).toString();
                else if (!a.startsWith("-") && Files.exists(root.resolve(a))) a = root.resolve(a).toString();
                args.add(a);
            }
            String name = args.get(0);
            if (name.equals("demo")) continue; // CI runs `./moe4j demo`; DemoQuickTest runs --quick
            if (name.startsWith("bench-")) continue; // registered by the bench module: ReadmeBenchCommandsTest runs them
            if (args.stream().anyMatch(a -> a.contains("../shared")) && !Files.isDirectory(root.resolve("../shared"))) continue;
            int rc = Main.run(args.toArray(new String[0]));
            assertEquals(0, rc, "README command failed: ./moe4j " + cmd);
            ran++;
        }
        assertTrue(ran >= 10, "ran " + ran + " README commands");
    }

    @Test
    void helpAndBadFlagsAreOneLiners() {
        assertEquals(0, Main.run("--help"));
        for (String c : List.of("demo", "info", "convert", "prepare", "train", "sft", "init", "perplexity", "eval", "generate", "tokenize"))
            assertEquals(0, Main.run(c, "--help"), c + " --help");
        assertEquals(2, Main.run("convert", "--no-such-flag"));
        assertEquals(2, Main.run("no-such-command"));
    }
}
