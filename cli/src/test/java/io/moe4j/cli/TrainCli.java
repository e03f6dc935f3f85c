package io.moe4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/**
 * {@link Main}'s command line with the training commands (train, sft, init) added while Main does not list them yet;
 * once it does, this is exactly {@code Main}. Its {@link #main} is what the kill-and-resume test starts in a child JVM.
 */
public final class TrainCli {
    private static final List<Class<?>> COMMANDS = List.of(TrainCommand.class, SftCommand.class, InitCommand.class);

    private TrainCli() {}

    static CommandLine commandLine() {
        Main.configureLogging();
        CommandLine cl = Main.commandLine();
        for (Class<?> c : COMMANDS) {
            String name = c.getAnnotation(CommandLine.Command.class).name();
            if (cl.getSubcommands().containsKey(name)) continue;
            try {
                cl.addSubcommand(c.getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Runs in-process with stdout and stderr captured. */
    static synchronized Cli.Result run(Object... args) {
        String[] a = new String[args.length];
        for (int i = 0; i < args.length; i++) a[i] = String.valueOf(args[i]);
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            CommandLine cl = commandLine();
            cl.setOut(new java.io.PrintWriter(o, true));
            cl.setErr(new java.io.PrintWriter(e, true));
            int code = cl.execute(a);
            return new Cli.Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
