package io.moe4j.eval;

import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.data.tokenizer.Tokenizers;
import io.moe4j.moe.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Model and tokenizer lookup shared by the model commands (generate, eval, perplexity, info,
 * convert): every failure is one line naming the option and the path.
 */
public final class ModelFiles {
    private ModelFiles() {}

    /** Names a tokenizer may have beside a model, in the order they are tried (then {@code tok*.bin}). */
    public static final List<String> TOKENIZER_NAMES = List.of("tokenizer.model", "tokenizer.json", "tokenizer.json.gz", "tokenizer.bin");

    /** Fails with a one-line message naming the option when a path does not exist. */
    public static Path existing(Path p, String option) {
        if (p == null || !Files.exists(p)) throw new IllegalArgumentException(option + " " + p + ": no such file or directory");
        return p;
    }

    /** Loads a llama2.c .bin, an HF LLaMA dir or an HF LLaMA-MoE dir. */
    public static Models.Loaded load(Path model) {
        existing(model, "--model");
        try {
            return Models.load(model);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IllegalArgumentException("--model " + model + ": cannot read model: " + msg, e);
        }
    }

    /** The tokenizer file: {@code explicit} when given, else the one beside the model. */
    public static Path tokenizerPath(Path model, Path explicit) {
        if (explicit != null) return existing(explicit, "--tokenizer");
        Path dir = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        List<Path> candidates = new ArrayList<>();
        for (String n : TOKENIZER_NAMES) candidates.add(dir.resolve(n));
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("tok") && n.endsWith(".bin");
            }).sorted().forEach(candidates::add);
        } catch (IOException e) {
            throw new IllegalArgumentException("--model " + model + ": cannot list " + dir + ": " + e.getMessage(), e);
        }
        for (Path p : candidates) if (Files.isRegularFile(p)) return p;
        throw new IllegalArgumentException("no tokenizer beside --model " + model + " (looked in " + dir + " for "
                + String.join(", ", TOKENIZER_NAMES) + ", tok*.bin); pass --tokenizer");
    }

    /** The tokenizer given or found beside the model. */
    public static Tokenizer tokenizer(Path model, Path explicit) {
        return Tokenizers.load(tokenizerPath(model, explicit));
    }

    /** A short model name for tables: the file or folder name. */
    public static String name(Path model) {
        Path f = model.toAbsolutePath().normalize().getFileName();
        return f == null ? model.toString() : f.toString();
    }
}
