package io.moe4j.bench;

import io.moe4j.moe.GateNetwork;
import io.moe4j.moe.GateType;
import io.moe4j.moe.Models;
import io.moe4j.moe.MoeConfig;
import io.moe4j.moe.MoeSpec;
import io.moe4j.nn.LlamaConfig;
import io.moe4j.nn.LlamaModel;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.cpu.Parallel;
import io.moe4j.train.BatchSource;
import io.moe4j.train.MicroBatch;
import io.moe4j.train.Trainer;
import io.moe4j.train.optim.AdamWConfig;
import io.moe4j.train.optim.FreezeRules;
import io.moe4j.train.optim.LrSchedule;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Training throughput (forward + backward + clipping + AdamW, tokens per second) of a stories15M-shaped model:
 * C=288, L=6, H=6, F=768, V=32000, T=256, B=8, tied embeddings, random weights. Three variants: dense; MoE 8x96 top-2
 * with LLaMA-MoE's gate (MLP router, noisy top-k, balance loss, sf 4); MoE 8x96 top-2 with a plain linear top-k
 * router and no auxiliary loss (what {@code shared/bench/llama_train_torch.py --moe} builds). When
 * {@code /usr/bin/python3} has torch, the same shapes are timed there in the same run and the ratio is printed.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... io.moe4j.bench.TrainBench [--threads 2] [--steps 5]
 * [--warmup 2] [--no-torch] [--torch-script PATH]}. The median step time is reported; the machine is shared, so the
 * load average is printed before and after.
 */
public final class TrainBench {
    static final int DIM = 288, LAYERS = 6, HEADS = 6, HIDDEN = 768, VOCAB = 32000, SEQ = 256, BATCH = 8;

    private TrainBench() {}

    /** {@code moe4j bench-train}: register with {@code new TrainBench.Command()} in {@link BenchCommands}. */
    @picocli.CommandLine.Command(name = "bench-train", mixinStandardHelpOptions = true,
            description = "Training tokens/s (forward + backward + AdamW) of a stories15M-shaped model, dense and MoE 8x96 top-2, "
                    + "beside PyTorch (shared/bench/llama_train_torch.py) when /usr/bin/python3 has torch.")
    public static final class Command implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Option(names = "--threads", defaultValue = "2", description = "Threads (default: ${DEFAULT-VALUE}).")
        int threads;

        @picocli.CommandLine.Option(names = "--steps", defaultValue = "5", description = "Timed steps; the median is printed (default: ${DEFAULT-VALUE}).")
        int steps;

        @picocli.CommandLine.Option(names = "--warmup", defaultValue = "2", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @picocli.CommandLine.Option(names = "--rounds", defaultValue = "3",
                description = "Rounds; each times every variant and then its PyTorch peer, so a ratio compares runs minutes apart "
                        + "at most (default: ${DEFAULT-VALUE}).")
        int rounds;

        @picocli.CommandLine.Option(names = "--no-torch", description = "Do not run the PyTorch reference.")
        boolean noTorch;

        @Override
        public Integer call() throws Exception {
            List<String> a = new ArrayList<>(List.of("--threads", "" + threads, "--steps", "" + steps, "--warmup", "" + warmup,
                    "--rounds", "" + rounds));
            if (noTorch) a.add("--no-torch");
            main(a.toArray(new String[0]));
            return 0;
        }
    }

    record Variant(String name, String torchArgs, LlamaModel model) {}

    public static void main(String[] args) throws Exception {
        int threads = intArg(args, "--threads", 2), steps = intArg(args, "--steps", 5), warmup = intArg(args, "--warmup", 2);
        int rounds = Math.max(1, intArg(args, "--rounds", 3));
        boolean torch = !Arrays.asList(args).contains("--no-torch");
        String script = strArg(args, "--torch-script", defaultScript());
        System.out.printf(Locale.ROOT, "java %s, %d threads (pool %d), stories15M shape C=%d L=%d H=%d F=%d V=%d, batch %dx%d, load average %s%n",
                System.getProperty("java.version"), threads, Parallel.threads(), DIM, LAYERS, HEADS, HIDDEN, VOCAB, BATCH, SEQ, Machine.loadAverage());
        System.out.printf(Locale.ROOT, "%-6s %-44s %10s %12s %14s %14s %8s%n", "round", "model", "params", "step (ms)", "moe4j tok/s", "torch tok/s", "ratio");
        List<Variant> vs = variants();
        double[][] ours = new double[vs.size()][rounds], ref = new double[vs.size()][rounds];
        for (int r = 0; r < rounds; r++)
            for (int i = 0; i < vs.size(); i++) { // each variant right before its peer: both see the same stretch of machine time
                Variant v = vs.get(i);
                double[] t = new double[1];
                Parallel.withThreads(threads, () -> t[0] = medianStep(v.model(), warmup, steps));
                ours[i][r] = BATCH * SEQ / t[0];
                ref[i][r] = torch ? torchTokensPerSecond(script, threads, steps, warmup, v.torchArgs()) : Double.NaN;
                System.out.printf(Locale.ROOT, "%-6d %-44s %9.2fM %12.1f %14.0f %14s %8s%n", r + 1, v.name(), v.model().parameterCount() / 1e6,
                        t[0] * 1e3, ours[i][r], Double.isNaN(ref[i][r]) ? "-" : String.format(Locale.ROOT, "%.0f", ref[i][r]),
                        Double.isNaN(ref[i][r]) ? "-" : String.format(Locale.ROOT, "%.2fx", ours[i][r] / ref[i][r]));
            }
        System.out.printf(Locale.ROOT, "%nmedian over %d rounds (ratio: median of the per-round ratios, then min-max)%n", rounds);
        for (int i = 0; i < vs.size(); i++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) ratio[r] = ours[i][r] / ref[i][r];
            double[] sorted = ratio.clone();
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "%-51s %14.0f %14s %8s%n", vs.get(i).name(), median(ours[i]),
                    Double.isNaN(median(ref[i])) ? "-" : String.format(Locale.ROOT, "%.0f", median(ref[i])),
                    Double.isNaN(sorted[0]) ? "-" : String.format(Locale.ROOT, "%.2fx (%.2f-%.2f)", median(ratio), sorted[0], sorted[rounds - 1]));
        }
        System.out.println("load average after: " + Machine.loadAverage());
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static List<Variant> variants() {
        LlamaConfig cfg = LlamaConfig.llama2c(DIM, HIDDEN, LAYERS, HEADS, HEADS, VOCAB, SEQ, true);
        int[] sizes = new int[8];
        Arrays.fill(sizes, HIDDEN / 8);
        MoeSpec llamaMoe = MoeSpec.llamaMoe(sizes, 2);
        MoeSpec plain = new MoeSpec(sizes, 2, GateType.MIXTRAL, GateNetwork.LINEAR, 1.0, 0.0, false, 0.01);
        return List.of(new Variant("dense", "", LlamaModel.random(cfg, DType.F32, 1)),
                new Variant("MoE 8x96 top-2, LLaMA-MoE gate (noise, balance)", null,
                        Models.withMoe(LlamaModel.random(cfg, DType.F32, 1), new MoeConfig(Collections.nCopies(LAYERS, llamaMoe)), 2)),
                new Variant("MoE 8x96 top-2, linear top-k router", "--moe",
                        Models.withMoe(LlamaModel.random(cfg, DType.F32, 1), new MoeConfig(Collections.nCopies(LAYERS, plain)), 2)));
    }

    /** Median seconds of one optimizer step (B x T tokens) after {@code warmup} untimed steps. */
    static double medianStep(LlamaModel model, int warmup, int steps) {
        Trainer t = new Trainer(model, new Trainer.Options(new AdamWConfig(0.9, 0.95, 1e-8, 0.1, false), FreezeRules.none(),
                LrSchedule.Constant.of(1e-4), 1, 1.0, false, 1));
        BatchSource src = randomBatches(7);
        double[] s = new double[steps];
        for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            t.step(src, i + 1);
            if (i >= warmup) s[i - warmup] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(s);
        return s[steps / 2];
    }

    static BatchSource randomBatches(long seed) {
        Random r = new Random(seed);
        return new BatchSource() {
            @Override
            public MicroBatch next() {
                int[][] in = new int[BATCH][SEQ], out = new int[BATCH][SEQ];
                for (int b = 0; b < BATCH; b++) {
                    int prev = r.nextInt(VOCAB);
                    for (int k = 0; k < SEQ; k++) {
                        in[b][k] = prev;
                        prev = r.nextInt(VOCAB);
                        out[b][k] = prev;
                    }
                }
                return new MicroBatch(in, out, new int[BATCH]);
            }

            @Override
            public byte[] saveState() {
                return new byte[0];
            }
        };
    }

    /** tokens/s printed by the torch script, or NaN when python3/torch/the script is missing or it fails. */
    static double torchTokensPerSecond(String script, int threads, int steps, int warmup, String extra) {
        if (extra == null || !Files.isRegularFile(Path.of(script)) || !Files.isExecutable(Path.of("/usr/bin/python3"))) return Double.NaN;
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script, "--threads", "" + threads, "--steps", "" + steps,
                "--warmup", "" + warmup));
        if (!extra.isEmpty()) cmd.add(extra);
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            Path omp = Path.of("/usr/lib/x86_64-linux-gnu/openblas-openmp");
            if (Files.isDirectory(omp)) pb.environment().put("LD_LIBRARY_PATH", omp.toString());  // see shared/bench/README.md
            Process p = pb.start();
            Thread reaper = new Thread(p::destroyForcibly);  // do not leave torch running if the bench is stopped
            Runtime.getRuntime().addShutdownHook(reaper);
            double tps = Double.NaN;
            Pattern tok = Pattern.compile("=> (\\d+) tokens/s");
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    Matcher m = tok.matcher(line);
                    if (m.find()) tps = Double.parseDouble(m.group(1));
                }
            }
            int code = p.waitFor();
            Runtime.getRuntime().removeShutdownHook(reaper);
            return code == 0 ? tps : Double.NaN;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    private static String defaultScript() {
        String shared = System.getProperty("moe4j.shared", "/work/shared");
        return Path.of(shared, "bench", "llama_train_torch.py").toString();
    }


    private static int intArg(String[] a, String name, int dflt) {
        String v = strArg(a, name, null);
        return v == null ? dflt : Integer.parseInt(v);
    }

    private static String strArg(String[] a, String name, String dflt) {
        for (int i = 0; i + 1 < a.length; i++) if (a[i].equals(name)) return a[i + 1];
        return dflt;
    }
}
