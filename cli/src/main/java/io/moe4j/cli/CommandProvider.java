package io.moe4j.cli;

/**
 * Adds sub-commands to {@code moe4j} from modules that depend on cli (such as bench), found with
 * ServiceLoader, so the dependency arrows keep pointing one way.
 */
public interface CommandProvider {
    /** Picocli command objects (classes annotated with {@code @Command}). */
    java.util.List<Object> commands();
}
