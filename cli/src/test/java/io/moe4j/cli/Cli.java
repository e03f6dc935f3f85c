package io.moe4j.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs {@link Main#run} with stdout and stderr captured, and finds the files the command tests use. */
final class Cli {
    private Cli() {}

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    static synchronized Result run(Object... args) {
        String[] a = new String[args.length];
        for (int i = 0; i < args.length; i++) a[i] = String.valueOf(args[i]);
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            int code = Main.run(a);
            o.flush();
            e.flush();
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** assets/models/stories260K (system property moe4j.assets). */
    static Path stories() {
        Path d = Path.of(System.getProperty("moe4j.assets", "../assets"), "models", "stories260K");
        assumeTrue(Files.isRegularFile(d.resolve("stories260K.bin")), "stories260K assets not found under " + d);
        return d;
    }

    /** eval's test resources (golden files and eval slices), reached from the cli module's directory. */
    static Path evalResources() {
        Path d = Path.of(System.getProperty("user.dir")).resolve("../eval/src/test/resources").normalize();
        assumeTrue(Files.isDirectory(d.resolve("golden")), "eval test resources not found at " + d);
        return d;
    }
}
