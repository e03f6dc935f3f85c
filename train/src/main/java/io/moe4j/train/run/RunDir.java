package io.moe4j.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The output folder of one training run:
 * <pre>
 *   config.json              the settings, their hash, the command (written once, first)
 *   metrics.jsonl            one JSON line per step
 *   checkpoints/step-NNNNNNNN/  the latest complete checkpoint (see {@link Checkpoint})
 *   cache/                   the token cache, when the run tokenised a corpus itself
 *   model/                   the final model (HF format)
 *   plots/*.png              charts drawn at the end
 *   summary.json             validation losses before and after
 * </pre>
 * {@link #open} enforces the resume contract before any work: a folder holding a run is only continued with
 * {@code --resume} and the same settings hash.
 */
public final class RunDir {
    public static final String CONFIG = "config.json";
    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d{8})");

    private final Path root;
    private final String hash;
    private final ObjectNode settings;

    private RunDir(Path root, String hash, ObjectNode settings) {
        this.root = root;
        this.hash = hash;
        this.settings = settings;
    }

    /**
     * {@link #open(Path, String, ObjectNode, boolean, Consumer)} for a settings record: every field is written to
     * config.json; those in {@code notHashed} (output folder, resume flag, ...) are kept apart and not hashed.
     */
    public static RunDir open(Path root, String command, Object settings, java.util.Set<String> notHashed, boolean resume,
                              Consumer<String> log) {
        ObjectNode all = RunConfig.JSON.valueToTree(settings);
        ObjectNode session = RunConfig.JSON.createObjectNode();
        notHashed.forEach(k -> {
            if (all.has(k)) session.set(k, all.get(k));
        });
        return open(root, command, RunConfig.canonical(settings, notHashed), session, resume, log);
    }

    /**
     * Opens or creates the run folder. A folder with a config.json and at least one logged step is a run: without
     * {@code resume} that is an error; with it, the stored hash must equal {@code hash} (else the error lists the
     * differing settings). A run folder that never completed a step is simply set up again.
     * A non-empty folder without config.json is refused, so a typo in {@code --out} cannot scatter files into
     * an unrelated folder.
     *
     * @param canonical the canonical settings ({@link RunConfig#canonical}); its hash identifies the run
     */
    public static RunDir open(Path root, String command, ObjectNode canonical, boolean resume, Consumer<String> log) {
        return open(root, command, canonical, RunConfig.JSON.createObjectNode(), resume, log);
    }

    private static RunDir open(Path root, String command, ObjectNode canonical, ObjectNode session, boolean resume,
                               Consumer<String> log) {
        String hash = RunConfig.hash(canonical);
        Path cfg = root.resolve(CONFIG);
        try {
            RunDir probe = new RunDir(root, hash, canonical);
            if (Files.isRegularFile(cfg) && probe.started()) {
                JsonNode stored = RunConfig.JSON.readTree(cfg.toFile());
                if (!resume)
                    throw new IllegalArgumentException("--out " + root + " already holds a run (" + CONFIG
                            + "); pass --resume to continue it or choose another --out");
                if (!command.equals(stored.path("command").asText()))
                    throw new IllegalArgumentException("cannot resume " + root + ": it is a '" + stored.path("command").asText()
                            + "' run, not '" + command + "'");
                if (!hash.equals(stored.path("hash").asText())) {
                    List<String> diff = RunConfig.differences(stored.path("settings"), canonical);
                    throw new IllegalArgumentException("cannot resume " + root + ": its configuration differs ("
                            + (diff.isEmpty() ? "hash " + stored.path("hash").asText() : String.join("; ", diff))
                            + "); use the original settings or another --out");
                }
                return new RunDir(root, hash, canonical);
            }
            if (Files.isRegularFile(cfg)) {  // set up but never trained a step: start over with these settings
                log.accept("run directory " + root + " never completed a step; starting it afresh");
                clearExceptCache(root);
            } else if (Files.isDirectory(root) && !isEmpty(root))
                throw new IllegalArgumentException("--out " + root + " is not empty and holds no run (" + CONFIG
                        + " missing); choose a new or empty folder");
            if (Files.exists(root) && !Files.isDirectory(root))
                throw new IllegalArgumentException("--out " + root + " is a file, not a folder");
            if (resume) log.accept("nothing to resume in " + root + "; starting a new run");
            Files.createDirectories(root);
            ObjectNode c = RunConfig.JSON.createObjectNode();
            c.put("format", "moe4j-run");
            c.put("version", 1);
            c.put("command", command);
            c.put("hash", hash);
            c.put("created", Instant.now().toString());
            c.set("settings", canonical);
            c.set("notHashed", session);
            writeAtomically(cfg, RunConfig.JSON.writeValueAsBytes(c));
            return new RunDir(root, hash, canonical);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open run directory " + root + ": " + e.getMessage(), e);
        }
    }

    /** True once a step was logged or a checkpoint written; before that, a run folder may be reused freely. */
    private boolean started() throws IOException {
        return (Files.isRegularFile(metricsFile()) && Files.size(metricsFile()) > 0) || latestCheckpoint().isPresent();
    }

    /** Removes what an unstarted run left (reference losses, partial checkpoints), keeping a token cache. */
    private static void clearExceptCache(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(p -> !p.getFileName().toString().equals("cache")).toList()) deleteTree(p);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    public Path root() { return root; }
    public String hash() { return hash; }
    /** The hashed settings (canonical JSON). */
    public ObjectNode settings() { return settings.deepCopy(); }
    public Path metricsFile() { return root.resolve("metrics.jsonl"); }
    public Path checkpointsDir() { return root.resolve("checkpoints"); }
    public Path cacheDir() { return root.resolve("cache"); }
    public Path modelDir() { return root.resolve("model"); }
    public Path plotsDir() { return root.resolve("plots"); }
    public Path summaryFile() { return root.resolve("summary.json"); }
    public Path file(String name) { return root.resolve(name); }

    /** The folder of the checkpoint taken after {@code step} steps. */
    public Path checkpointDir(int step) {
        return checkpointsDir().resolve(String.format("step-%08d", step));
    }

    /** The newest complete checkpoint (renamed into place, with its state file), if any. */
    public Optional<Path> latestCheckpoint() {
        Path dir = checkpointsDir();
        if (!Files.isDirectory(dir)) return Optional.empty();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> STEP_DIR.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve(Checkpoint.STATE)))
                    .max(Comparator.comparingInt(RunDir::stepOf));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + dir, e);
        }
    }

    /** The step number of a checkpoint folder name {@code step-NNNNNNNN}. */
    public static int stepOf(Path checkpoint) {
        Matcher m = STEP_DIR.matcher(checkpoint.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException(checkpoint + " is not a checkpoint folder (step-NNNNNNNN)");
        return Integer.parseInt(m.group(1));
    }

    /** Writes bytes to {@code file.tmp}, forces them to disk, and renames over {@code file}. */
    public static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Deletes a folder tree if present. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
