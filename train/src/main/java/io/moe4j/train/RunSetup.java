package io.moe4j.train;

import io.moe4j.train.optim.AdamWConfig;
import io.moe4j.train.optim.LrSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Checks and conversions shared by the training commands: option values to optimizer and schedule objects, and
 * locating the tokenizer that belongs to a model. Every failure is a one-line message naming the option.
 */
public final class RunSetup {
    private static final List<String> TOKENIZER_NAMES = List.of("tokenizer.model", "tokenizer.json", "tokenizer.json.gz",
            "tokenizer.bin");

    private RunSetup() {}

    /** AdamW settings from the command-line values; {@code decayRule} is rank2 or llama-moe. */
    public static AdamWConfig adam(double beta1, double beta2, double weightDecay, String decayRule) {
        boolean names = switch (decayRule.toLowerCase(Locale.ROOT)) {
            case "rank2" -> false;
            case "llama-moe" -> true;
            default -> throw new IllegalArgumentException("--decay-rule must be rank2 or llama-moe, got '" + decayRule + "'");
        };
        return new AdamWConfig(beta1, beta2, 1e-8, weightDecay, names);
    }

    /** The learning-rate schedule: cosine (clamped at minRatio·lr), linear (to 0) or constant, each after warmup. */
    public static LrSchedule schedule(String kind, double lr, int warmup, int steps, double minRatio) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("--lr must be finite and >= 0, got " + lr);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        if (warmup > steps) throw new IllegalArgumentException("--warmup " + warmup + " is longer than --steps " + steps);
        return switch (kind.toLowerCase(Locale.ROOT)) {
            case "cosine" -> {
                if (!(minRatio >= 0 && minRatio <= 1))
                    throw new IllegalArgumentException("--min-lr-ratio must be in [0, 1], got " + minRatio);
                yield new LrSchedule.WarmupCosine(lr, warmup, steps, minRatio);
            }
            case "linear" -> new LrSchedule.Linear(lr, warmup, steps);
            case "constant" -> new LrSchedule.Constant(lr, warmup);
            default -> throw new IllegalArgumentException("--schedule must be cosine, linear or constant, got '" + kind + "'");
        };
    }

    /** Fails with "OPTION PATH: no such file or directory" when {@code p} is null or missing. */
    public static Path existing(Path p, String option) {
        if (p == null) throw new IllegalArgumentException(option + " is required");
        if (!Files.exists(p)) throw new IllegalArgumentException(option + " " + p + ": no such file or directory");
        return p;
    }

    public static void positive(int v, String option) {
        if (v < 1) throw new IllegalArgumentException(option + " must be >= 1, got " + v);
    }

    public static void nonNegative(int v, String option) {
        if (v < 0) throw new IllegalArgumentException(option + " must be >= 0, got " + v);
    }

    /**
     * The tokenizer file of a model: {@code explicit} when given; else, beside a model file (llama2.c: the
     * {@code tokenizer.*} or {@code tok*.bin} next to it) or inside a model folder. Null when there is none.
     */
    public static Path tokenizerFor(Path model, Path explicit) {
        if (explicit != null) {
            existing(explicit, "--tokenizer");
            if (!Files.isDirectory(explicit)) return explicit;
            Path inDir = search(explicit, null);
            if (inDir == null) throw new IllegalArgumentException("--tokenizer " + explicit + ": folder holds none of " + TOKENIZER_NAMES);
            return inDir;
        }
        if (model == null) return null;
        return Files.isDirectory(model) ? search(model, null) : search(model.toAbsolutePath().getParent(), model.getFileName().toString());
    }

    private static Path search(Path dir, String exclude) {
        if (dir == null) return null;
        for (String n : TOKENIZER_NAMES) if (Files.isRegularFile(dir.resolve(n)) && !n.equals(exclude)) return dir.resolve(n);
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().matches("tok.*\\.bin") && !p.getFileName().toString().equals(exclude))
                    .sorted().findFirst().orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Loads a dense or MoE model, wrapping I/O failures in a message that names the option. */
    public static io.moe4j.nn.LlamaModel loadModel(Path model, String option) {
        try {
            return io.moe4j.moe.Models.load(model).model();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + option + " " + model + ": " + e.getMessage(), e);
        }
    }

    /** SHA-256 (hex) of a file, the tokenizer identity used by {@code moe4j prepare}. */
    public static String sha256(Path file) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
