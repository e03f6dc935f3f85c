package io.moe4j.cli;

import java.io.PrintWriter;
import java.util.ServiceLoader;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code moe4j} command. Sub-commands are registered here or by {@link CommandProvider}s.
 * A wrong flag prints a one-line error and a hint; a failing command prints one line
 * (set MOE4J_DEBUG=1 for the stack trace).
 */
@Command(name = "moe4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "LLaMA-MoE on the JVM: load dense LLaMA models, split them into experts, train and evaluate.",
        subcommands = {CommandLine.HelpCommand.class, io.moe4j.cli.demo.DemoCommand.class, InfoCommand.class, ConvertCommand.class,
                PrepareCommand.class, TrainCommand.class, SftCommand.class, InitCommand.class, PerplexityCommand.class,
                EvalCommand.class, GenerateCommand.class, TokenizeCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        configureLogging();
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        for (CommandProvider p : ServiceLoader.load(CommandProvider.class))
            for (Object c : p.commands()) cl.addSubcommand(c);
        cl.setParameterExceptionHandler(Main::badArguments);
        cl.setExecutionExceptionHandler(Main::failed);
        return cl;
    }

    private static int badArguments(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("moe4j: " + ex.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
        return 2;
    }

    private static int failed(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (System.getenv("MOE4J_DEBUG") != null) ex.printStackTrace(cmd.getErr());
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        cmd.getErr().println("moe4j " + cmd.getCommandName() + ": error: " + msg);
        return 1;
    }

    /** One short line per log record on stderr. */
    static void configureLogging() {
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) root.removeHandler(h);
        ConsoleHandler h = new ConsoleHandler();
        h.setFormatter(new SimpleFormatter() {
            @Override
            public String format(java.util.logging.LogRecord r) {
                return "[" + r.getLevel().getName().toLowerCase() + "] " + formatMessage(r) + System.lineSeparator();
            }
        });
        h.setLevel(Level.ALL);
        root.addHandler(h);
        root.setLevel(System.getenv("MOE4J_QUIET") != null ? Level.WARNING : Level.INFO);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"moe4j " + (v == null ? "dev" : v) + " (Java " + System.getProperty("java.version") + ")"};
        }
    }
}
