package io.moe4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moe4j.moe.Models;
import io.moe4j.nn.KvCache;
import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.LlamaModel;
import io.moe4j.nn.Sampler;
import io.moe4j.nn.io.Llama2cCheckpoint;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.cpu.Parallel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Greedy decode throughput of {@link LlamaModel#forwardToken} beside llama2.c's run.c, in one run on one
 * machine, so the printed ratios compare like with like under the same background load.
 *
 * <p>Method (identical on both sides): exactly {@code steps} (256) positions from BOS, each followed by an
 * argmax over the logits, never stopping early; tok/s = steps / wall time of the whole sequence; the
 * median over all timed repetitions. The peer is our harness {@code bench/peer/fwd_bench.c} around run.c
 * (run.c itself is not in this repository) built by {@code bench/peer/build-llama2c-peer.sh} as {@code fwd_omp} ({@code gcc -Ofast -march=native -fopenmp}, run with
 * OMP_NUM_THREADS = 1 or 2) and optionally {@code fwd_native} (no OpenMP, used for 1 thread when present).
 * It prints {@code tps:} (every timed rep), {@code cpu:} (tokens per process-CPU second) and {@code ids:}.
 *
 * <p>Why rounds: the machine is shared, so the two sides alternate in {@code rounds} blocks of
 * {@code reps} repetitions per (model, threads) cell, and the medians pool every block. Why a CPU-time
 * column on 1 thread: time slices lost to other processes do not count there, so that ratio is the most
 * load-independent figure (on 2 threads the OpenMP and pool threads spin, so it is not shown).
 *
 * <p>Why a long Java warm-up (3 s per cell) and only 2 warm-up reps for C: C2 has to compile the Vector API
 * kernels before the figure means steady state; the C binary is compiled ahead of time.
 */
public final class DecodeBench {
    /** The stories15M shape: dim 288, F 768, 6 layers, 6 heads (no GQA), V 32000, T 256, shared classifier. */
    public static final LlamaConfig STORIES15M = LlamaConfig.llama2c(288, 768, 6, 6, 6, 32000, 256, true);

    /** What to measure. {@code model15} may not exist: a random one is then written to a temp file. */
    public record Options(Path small, Path model15, Path peerDir, Path oracle, int reps, int smallReps, int rounds,
                          int[] threads, int steps, long warmupMs, Map<String, String> peerEnv) {
        public Options {
            if (reps < 1 || smallReps < 1 || rounds < 1 || steps < 1) throw new IllegalArgumentException("--reps, "
                    + "--small-reps, --rounds and --steps must be >= 1, got " + reps + ", " + smallReps + ", " + rounds + ", " + steps);
            for (int t : threads) if (t < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + t);
            peerEnv = peerEnv == null ? Map.of() : Map.copyOf(peerEnv);
        }
    }

    /** Timed repetitions of one side: wall tok/s and CPU tok/s per rep (NaN when not measured), greedy ids. */
    record Samples(List<Double> wall, List<Double> cpu, int[] ids) {
        Samples() {
            this(new ArrayList<>(), new ArrayList<>(), null);
        }

        Samples with(int[] newIds) {
            return new Samples(wall, cpu, newIds);
        }
    }

    private DecodeBench() {}

    /** One benchmarked model: the file is what the peer loads. */
    private record Subject(String name, LlamaModel model, Path file, boolean isStories260K) {}

    /** Runs the whole benchmark and prints it; returns the exit code (1 when stories260K's ids are wrong). */
    public static int run(Options o) throws IOException, InterruptedException {
        System.out.printf(Locale.ROOT, "java %s, %s, load average %s%n", System.getProperty("java.version"),
                Machine.cpuModel(), Machine.loadAverage());
        List<Subject> subjects = List.of(new Subject("stories260K", Models.load(o.small()).model(), o.small(), true),
                stories15M(o.model15()));
        Path omp = o.peerDir().resolve("fwd_omp"), nat = o.peerDir().resolve("fwd_native");
        boolean peer = Files.isExecutable(omp);
        if (!peer) {
            System.out.println("llama2.c peer: not measured (no executable " + omp + "; put llama2.c's run.c in "
                    + o.peerDir() + " and run bench/peer/build-llama2c-peer.sh " + o.peerDir() + ")");
        }
        System.out.printf(Locale.ROOT, "%d greedy positions from BOS per rep; %d rounds x %d reps (stories260K: %d) per side "
                + "and cell%s%n%n", o.steps(), o.rounds(), o.reps(), o.smallReps(),
                o.peerEnv().isEmpty() ? "" : "; peer environment " + o.peerEnv());
        System.out.printf(Locale.ROOT, "%-22s %3s %-10s %22s %22s %7s %10s %10s %7s  %s%n", "model", "thr", "peer bin",
                "moe4j tok/s (min-max)", "llama2.c (min-max)", "ratio", "moe4j cpu", "l2c cpu", "cpu", "load");
        int status = 0;
        for (Subject m : subjects) {
            for (int t : o.threads()) {
                Path bin = !peer ? null : t == 1 && Files.isExecutable(nat) ? nat : omp;
                Samples[] s = cell(m.model(), bin, m.file(), t, m.isStories260K() ? o.smallReps() : o.reps(), o);
                printRow(m.name(), t, bin == null ? "-" : bin.getFileName().toString(), s[0], s[1]);
                if (m.isStories260K() && !checkIds(s[0].ids(), s[1] == null ? null : s[1].ids(), o.oracle())) status = 1;
                if (!m.isStories260K() && s[1] != null) {
                    System.out.printf(Locale.ROOT, "    %s greedy ids: first %d of %d equal to llama2.c's (random weights give "
                            + "near-tied logits, so a late divergence would be float rounding)%n", m.name(),
                            commonPrefix(s[0].ids(), s[1].ids()), s[0].ids().length);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nratio = moe4j / llama2.c (> 1: moe4j faster); cpu = tokens per CPU second of "
                + "the decoding thread (1 thread only). load average at end: %s%n", Machine.loadAverage());
        return status;
    }

    /** The stories15M-shaped model from {@code file}, or a random one written to a temp file when it is absent. */
    private static Subject stories15M(Path file) throws IOException {
        String name = "stories15M-shape rand";
        if (Files.isRegularFile(file)) return new Subject(name, Models.load(file).model(), file, false);
        Path tmp = Files.createTempFile("moe4j-stories15M-random", ".bin");
        tmp.toFile().deleteOnExit();
        LlamaModel m = LlamaModel.random(STORIES15M, DType.F32, 0);
        Llama2cCheckpoint.writeLegacy(tmp, STORIES15M, m.stateDict());
        System.out.println("no " + file + ": wrote a random stories15M-shaped model to " + tmp);
        return new Subject(name, m, tmp, false);
    }

    /** One (model, threads) cell: alternating blocks of moe4j and peer reps; [0] moe4j, [1] peer or null. */
    private static Samples[] cell(LlamaModel m, Path bin, Path file, int threads, int reps, Options o)
            throws IOException, InterruptedException {
        Samples mine = new Samples(), theirs = bin == null ? null : new Samples();
        int[][] ids = new int[1][];
        Parallel.withThreads(threads, () -> ids[0] = warmUp(m, o.steps(), o.warmupMs()));
        for (int r = 0; r < o.rounds(); r++) {
            Parallel.withThreads(threads, () -> timeMoe4j(m, threads, reps, o.steps(), mine));
            if (bin != null) theirs = runPeer(bin, file, threads, reps, o, theirs);
        }
        return new Samples[] {mine.with(ids[0]), theirs};
    }

    /** Decodes until {@code ms} have passed (at least twice) so C2 has compiled the kernels; returns the ids. */
    private static int[] warmUp(LlamaModel m, int steps, long ms) {
        KvCache cache = m.newKvCache(Math.min(steps, m.config().maxSeqLen()));
        int[] ids = new int[cache.capacity()];
        long until = System.nanoTime() + ms * 1_000_000L;
        for (int w = 0; w < 2 || System.nanoTime() < until; w++) decode(m, cache, ids);
        return ids;
    }

    /** {@code reps} timed sequences on this thread's {@link Parallel} limit, appended to {@code into}. */
    private static void timeMoe4j(LlamaModel m, int threads, int reps, int steps, Samples into) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        KvCache cache = m.newKvCache(Math.min(steps, m.config().maxSeqLen()));
        int[] ids = new int[cache.capacity()];
        for (int r = 0; r < reps; r++) {
            long c0 = mx.getCurrentThreadCpuTime(), t0 = System.nanoTime();
            decode(m, cache, ids);
            long t1 = System.nanoTime(), c1 = mx.getCurrentThreadCpuTime();
            into.wall().add(ids.length / ((t1 - t0) * 1e-9));
            into.cpu().add(threads == 1 ? ids.length / ((c1 - c0) * 1e-9) : Double.NaN);
        }
    }

    /** Greedy decode of ids.length positions from BOS (id 1), never stopping early; ids[p] = argmax at p. */
    static void decode(LlamaModel m, KvCache cache, int[] ids) {
        int token = 1;
        for (int pos = 0; pos < ids.length; pos++) {
            token = Sampler.argmax(m.forwardToken(token, pos, cache));
            ids[pos] = token;
        }
    }

    // ---- llama2.c peer --------------------------------------------------------------------------------------

    /** Runs the peer harness once ({@code reps} timed reps after its own 2 warm-ups) and appends its samples. */
    private static Samples runPeer(Path bin, Path model, int threads, int reps, Options o, Samples into)
            throws IOException, InterruptedException {
        String steps = "" + o.steps();
        ProcessBuilder pb = new ProcessBuilder(bin.toString(), model.toString(), steps, "" + reps, steps);
        pb.environment().putAll(o.peerEnv());
        pb.environment().put("OMP_NUM_THREADS", "" + threads);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) lines.add(line);
        }
        if (p.waitFor() != 0) throw new IllegalStateException(bin + " failed (exit " + p.exitValue() + "): " + String.join(" | ", lines));
        int[] ids = null;
        for (String line : lines) {
            if (line.startsWith("tps:")) for (double v : numbers(line)) into.wall().add(v);
            if (line.startsWith("cpu:")) for (double v : numbers(line)) into.cpu().add(threads == 1 ? v : Double.NaN);
            if (line.startsWith("ids:")) ids = Arrays.stream(numbers(line)).mapToInt(d -> (int) d).toArray();
        }
        if (ids == null || into.wall().isEmpty())
            throw new IllegalStateException(bin + ": expected 'tps:' and 'ids:' lines (is it the fwd_bench.c harness?), got "
                    + String.join(" | ", lines));
        return into.with(ids);
    }

    private static double[] numbers(String line) {
        String rest = line.substring(line.indexOf(':') + 1).trim();
        return rest.isEmpty() ? new double[0] : Arrays.stream(rest.split("\\s+")).mapToDouble(Double::parseDouble).toArray();
    }

    // ---- checks and printing ---------------------------------------------------------------------------------

    /** stories260K's greedy ids against the oracle file (when present) and the peer's; prints the verdicts. */
    private static boolean checkIds(int[] mine, int[] peer, Path oracle) throws IOException {
        boolean ok = true;
        if (oracle != null && Files.isRegularFile(oracle)) {
            JsonNode arr = new ObjectMapper().readTree(oracle.toFile()).get("expected_token_ids_after_bos");
            if (arr == null || !arr.isArray())
                throw new IllegalArgumentException(oracle + ": expected an array 'expected_token_ids_after_bos'");
            int[] want = new int[arr.size()];
            for (int i = 0; i < want.length; i++) want[i] = arr.get(i).asInt();
            int n = Math.min(want.length, mine.length), same = commonPrefix(mine, want);
            ok = same >= n;
            System.out.printf(Locale.ROOT, "    stories260K greedy ids vs %s: %s (first %d of %d equal)%n",
                    oracle.getFileName(), ok ? "OK" : "MISMATCH", same, n);
        }
        if (peer != null) {
            int n = Math.min(peer.length, mine.length), same = commonPrefix(mine, peer);
            ok &= same >= n;
            System.out.printf(Locale.ROOT, "    stories260K greedy ids vs llama2.c run.c: %s (first %d of %d equal)%n",
                    same >= n ? "OK" : "MISMATCH", same, n);
        }
        return ok;
    }

    static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }

    private static void printRow(String model, int t, String bin, Samples mine, Samples peer) {
        double mw = median(mine.wall()), mc = median(mine.cpu());
        double pw = peer == null ? Double.NaN : median(peer.wall()), pc = peer == null ? Double.NaN : median(peer.cpu());
        String range = String.format(Locale.ROOT, "%.0f (%.0f-%.0f)", mw, min(mine.wall()), max(mine.wall()));
        String peerRange = peer == null ? "-"
                : String.format(Locale.ROOT, "%.0f (%.0f-%.0f)", pw, min(peer.wall()), max(peer.wall()));
        System.out.printf(Locale.ROOT, "%-22s %3d %-10s %22s %22s %7s %10s %10s %7s  %s%n", model, t, bin, range, peerRange,
                ratio(mw, pw), fmt(mc), fmt(pc), ratio(mc, pc), Machine.loadAverage());
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? "-" : String.format(Locale.ROOT, "%.2fx", a / b);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }

    static double median(List<Double> v) {
        double[] a = v.stream().filter(d -> !d.isNaN()).mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length == 0 ? Double.NaN : a[a.length / 2];
    }

    private static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    private static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }


}
