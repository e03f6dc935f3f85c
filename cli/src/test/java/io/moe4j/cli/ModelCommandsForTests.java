package io.moe4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * Registers the model commands (generate, perplexity, eval, info, convert) for the tests while
 * Main does not list them yet; once Main does, this adds nothing (no duplicate sub-command).
 */
public final class ModelCommandsForTests implements CommandProvider {
    private static final List<Class<?>> COMMANDS = List.of(GenerateCommand.class, PerplexityCommand.class,
            EvalCommand.class, InfoCommand.class, ConvertCommand.class);

    @Override
    public List<Object> commands() {
        List<Class<?>> registered = Arrays.asList(Main.class.getAnnotation(Command.class).subcommands());
        List<Object> out = new ArrayList<>();
        for (Class<?> c : COMMANDS) {
            if (registered.contains(c)) continue;
            try {
                out.add(c.getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }
}
