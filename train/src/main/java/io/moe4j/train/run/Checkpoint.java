package io.moe4j.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moe4j.moe.Models;
import io.moe4j.nn.LlamaModel;
import io.moe4j.train.Trainer;
import io.moe4j.train.optim.AdamWState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/**
 * A complete, resumable training checkpoint, one folder {@code checkpoints/step-NNNNNNNN/}:
 * <pre>
 *   model/           the weights in our HF format ({@link Models#save}), plus the tokenizer file
 *   optimizer.bin    AdamW step and moments: "M4JADAMW", int32 version, int32 step, int32 n, m[n], v[n] (f32 LE)
 *   data-state.json  the batch source's state bytes (loader + sampler, incl. its RNG)
 *   state.json       step, settings and their hash, LR schedule, gate-noise seeds and counters (the gates' RNG
 *                    state), run totals (written last); the sampler's RNG is in data-state.json
 * </pre>
 * Written into {@code step-NNNNNNNN.tmp} and renamed when complete; the previous checkpoint is deleted only
 * after that rename, so a kill at any moment leaves at least one complete checkpoint.
 */
public final class Checkpoint {
    public static final String STATE = "state.json";
    public static final String OPTIMIZER = "optimizer.bin";
    public static final String DATA = "data-state.json";
    public static final String MODEL = "model";
    private static final byte[] MAGIC = {'M', '4', 'J', 'A', 'D', 'A', 'M', 'W'};
    private static final String FORMAT = "moe4j-train-checkpoint";

    /** What {@link #read} returns: a model ready to train and the state to put back into a {@link Trainer}. */
    public record Loaded(Path dir, int step, LlamaModel model, int optimizerStep, float[] m, float[] v,
                         long[] gateSeeds, long[] gateCalls, byte[] sourceState, JsonNode state) {
        /** Restores the optimizer and the gate-noise counters; the seeds must match the trainer's. */
        public void restoreInto(Trainer t) {
            JsonNode sched = RunConfig.JSON.valueToTree(t.options().schedule());
            if (state.has("schedule") && !state.get("schedule").toString().equals(sched.toString()))
                throw new IllegalArgumentException("checkpoint " + dir + ": learning-rate schedule " + state.get("schedule")
                        + " differs from this run's " + sched);
            long[] seeds = t.gateNoiseSeeds();
            if (!java.util.Arrays.equals(seeds, gateSeeds))
                throw new IllegalArgumentException("checkpoint " + dir + ": gate-noise seeds differ from this run's (different --seed?)");
            t.optimizer().state().restore(optimizerStep, m, v);
            t.setGateNoise(gateCalls);
        }

        /** Tokens the run had trained on when this checkpoint was written. */
        public long tokensSeen() {
            return state.path("run").path("tokensSeen").asLong();
        }
    }

    /** The run folder's latest checkpoint, read and checked against the run's settings hash; null when there is none. */
    public static Loaded latest(RunDir run) {
        return run.latestCheckpoint().map(d -> read(d, run.hash())).orElse(null);
    }

    private Checkpoint() {}

    /**
     * Writes the checkpoint after {@code step} steps and removes older ones.
     *
     * @param extra     run-level values to keep (schedule, totals, ...), stored under "run" in state.json
     * @param tokenizer tokenizer file copied beside the weights, or null
     */
    public static Path write(RunDir run, int step, Trainer trainer, byte[] sourceState, ObjectNode extra, Path tokenizer) {
        Path done = run.checkpointDir(step);
        Path tmp = done.resolveSibling(done.getFileName() + ".tmp");
        try {
            if (Files.isRegularFile(done.resolve(STATE))) return done;  // this exact state is already saved
            RunDir.deleteTree(tmp);
            RunDir.deleteTree(done);
            Files.createDirectories(tmp);
            saveModel(trainer.model(), tmp.resolve(MODEL), tokenizer);
            writeOptimizer(tmp.resolve(OPTIMIZER), trainer.optimizer().state());
            RunDir.writeAtomically(tmp.resolve(DATA), sourceState);
            RunDir.writeAtomically(tmp.resolve(STATE), RunConfig.JSON.writeValueAsBytes(state(run, step, trainer, extra)));
            Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
            removeOthers(run, done);
            return done;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + done + ": " + e.getMessage(), e);
        }
    }

    /** The model in HF format with its tokenizer beside it, so the folder is usable on its own. */
    public static void saveModel(LlamaModel model, Path dir, Path tokenizer) throws IOException {
        Models.save(model, dir);
        if (tokenizer != null) Files.copy(tokenizer, dir.resolve(tokenizerName(tokenizer)), StandardCopyOption.REPLACE_EXISTING);
    }

    /** The name under which {@code io.moe4j.data.tokenizer.Tokenizers#load(dir)} finds a copied tokenizer file. */
    static String tokenizerName(Path tokenizer) {
        String n = tokenizer.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".model")) return "tokenizer.model";
        if (n.endsWith(".json.gz")) return "tokenizer.json.gz";
        if (n.endsWith(".json")) return "tokenizer.json";
        return "tokenizer.bin";
    }

    private static ObjectNode state(RunDir run, int step, Trainer t, ObjectNode extra) {
        ObjectNode s = RunConfig.JSON.createObjectNode();
        s.put("format", FORMAT);
        s.put("version", 1);
        s.put("step", step);
        s.put("configHash", run.hash());
        s.put("optimizerStep", t.optimizer().state().step());
        s.set("schedule", RunConfig.JSON.valueToTree(t.options().schedule()));
        s.set("settings", run.settings());
        ObjectNode g = s.putObject("gateNoise");
        ArrayNode seeds = g.putArray("seeds"), calls = g.putArray("calls");
        for (long v : t.gateNoiseSeeds()) seeds.add(v);
        for (long v : t.gateNoise()) calls.add(v);
        s.set("run", extra == null ? RunConfig.JSON.createObjectNode() : extra);
        return s;
    }

    private static void removeOthers(RunDir run, Path keep) throws IOException {
        try (Stream<Path> s = Files.list(run.checkpointsDir())) {
            for (Path p : s.filter(p -> !p.equals(keep)).filter(p -> p.getFileName().toString().startsWith("step-")).toList())
                RunDir.deleteTree(p);
        }
    }

    /** Deletes half-written {@code .tmp} checkpoints left by a killed run. */
    public static void removeIncomplete(RunDir run) {
        if (!Files.isDirectory(run.checkpointsDir())) return;
        try (Stream<Path> s = Files.list(run.checkpointsDir())) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) RunDir.deleteTree(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + run.checkpointsDir(), e);
        }
    }

    // ------------------------------------------------------------------------------------------ read

    /** Reads a checkpoint folder, checking that it belongs to the run with settings hash {@code hash}. */
    public static Loaded read(Path dir, String hash) {
        try {
            JsonNode s = RunConfig.JSON.readTree(dir.resolve(STATE).toFile());
            if (!FORMAT.equals(s.path("format").asText()) || s.path("version").asInt() != 1)
                throw new IllegalArgumentException(dir.resolve(STATE) + ": not a moe4j training checkpoint (format "
                        + s.path("format") + ")");
            if (!hash.equals(s.path("configHash").asText()))
                throw new IllegalArgumentException("checkpoint " + dir + " was written by a run with another configuration");
            LlamaModel model = Models.load(dir.resolve(MODEL)).model();
            ByteBuffer opt = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(OPTIMIZER))).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[MAGIC.length];
            if (opt.remaining() < 20) throw new IllegalArgumentException(dir.resolve(OPTIMIZER) + ": truncated header");
            opt.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC) || opt.getInt() != 1)
                throw new IllegalArgumentException(dir.resolve(OPTIMIZER) + ": not a moe4j AdamW state file");
            int optStep = opt.getInt(), n = opt.getInt();
            if (n < 0 || opt.remaining() != 8L * n)
                throw new IllegalArgumentException(dir.resolve(OPTIMIZER) + ": holds " + opt.remaining() + " bytes, expected 8*" + n);
            float[] m = new float[n], v = new float[n];
            opt.asFloatBuffer().get(m);
            opt.position(opt.position() + 4 * n);
            opt.asFloatBuffer().get(v);
            JsonNode g = s.path("gateNoise");
            return new Loaded(dir, s.path("step").asInt(), model, optStep, m, v, longs(g.path("seeds")), longs(g.path("calls")),
                    Files.readAllBytes(dir.resolve(DATA)), s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    private static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asLong();
        return out;
    }

    private static void writeOptimizer(Path file, AdamWState st) throws IOException {
        float[] m = st.m(), v = st.v();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
            head.put(MAGIC).putInt(1).putInt(st.step()).putInt(m.length).flip();
            while (head.hasRemaining()) ch.write(head);
            writeFloats(ch, m);
            writeFloats(ch, v);
            ch.force(true);
        }
    }

    private static void writeFloats(FileChannel ch, float[] a) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < a.length; ) {
            int n = Math.min(a.length - i, buf.capacity() / 4);
            buf.clear();
            buf.asFloatBuffer().put(a, i, n);
            buf.limit(4 * n);
            while (buf.hasRemaining()) ch.write(buf);
            i += n;
        }
    }
}
