package io.moe4j.bench;

import io.moe4j.cli.CommandProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The benchmark sub-commands of {@code moe4j}, registered through {@link CommandProvider}. */
public final class BenchCommands implements CommandProvider {

    @Override
    public List<Object> commands() {
        return List.of(new BenchGemm(), new BenchMoe(), new BenchDecode(), new TrainBench.Command());
    }

    @Command(name = "bench-decode", mixinStandardHelpOptions = true,
            description = "Greedy decode tok/s (256 positions from BOS) of stories260K and a random stories15M-shaped model "
                    + "on 1 and 2 threads, beside llama2.c run.c (fwd_omp / fwd_native built from fwd_bench.c in --peer-dir) "
                    + "in the same run; prints ratios and checks stories260K's greedy ids.")
    static final class BenchDecode implements Callable<Integer> {
        @Option(names = "--peer-dir", defaultValue = "/tmp/llama2c",
                description = "Folder with the llama2.c harness binaries fwd_omp [and fwd_native] (default: ${DEFAULT-VALUE}).")
        Path peerDir;

        @Option(names = "--model", defaultValue = "assets/models/stories260K/stories260K.bin",
                description = "The stories260K llama2.c file (default: ${DEFAULT-VALUE}).")
        Path small;

        @Option(names = "--model15", description = "A stories15M-shaped llama2.c file (default: PEER_DIR/stories15M_random.bin; "
                + "when absent a random one is written to a temp file).")
        Path model15;

        @Option(names = "--oracle", defaultValue = "../shared/data/models/llama2c/stories260K_greedy_t0.json",
                description = "run.c's greedy ids for stories260K, checked when the file exists (default: ${DEFAULT-VALUE}).")
        Path oracle;

        @Option(names = "--threads", defaultValue = "1,2", split = ",", description = "Thread counts (default: ${DEFAULT-VALUE}).")
        int[] threads;

        @Option(names = "--reps", defaultValue = "3", description = "Timed sequences per side per round (default: ${DEFAULT-VALUE}).")
        int reps;

        @Option(names = "--small-reps", defaultValue = "20",
                description = "Like --reps for stories260K, whose sequences take ~20 ms (default: ${DEFAULT-VALUE}).")
        int smallReps;

        @Option(names = "--rounds", defaultValue = "4", description = "Alternating moe4j/llama2.c blocks per cell (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--steps", defaultValue = "256", description = "Positions per sequence (default: ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--warmup-ms", defaultValue = "3000", description = "moe4j JIT warm-up per cell in ms (default: ${DEFAULT-VALUE}).")
        long warmupMs;

        @Option(names = "--peer-env", description = "Extra environment for the llama2.c runs, e.g. OMP_WAIT_POLICY=passive (repeatable).")
        Map<String, String> peerEnv;

        @Override
        public Integer call() throws Exception {
            Path m15 = model15 != null ? model15 : peerDir.resolve("stories15M_random.bin");
            return DecodeBench.run(new DecodeBench.Options(small, m15, peerDir, oracle, reps, smallReps, rounds, threads, steps, warmupMs,
                    peerEnv));
        }
    }

    @Command(name = "bench-moe", mixinStandardHelpOptions = true,
            description = "Forward+backward time of an MoE FFN layer (8 experts of 96, top-2, noisy gate) against the dense "
                    + "SwiGLU FFN of the same total width (288 -> 768) over 2048 tokens; prints medians and the speed-up.")
    static final class BenchMoe implements Callable<Integer> {
        @Option(names = "--threads", defaultValue = "0", description = "Threads (default: all cores).")
        int threads;

        @Option(names = "--tokens", defaultValue = "2048", description = "Tokens per pass (default: ${DEFAULT-VALUE}).")
        int tokens;

        @Option(names = "--reps", defaultValue = "15", description = "Timed passes; the median is printed (default: ${DEFAULT-VALUE}).")
        int reps;

        @Option(names = "--warmup", defaultValue = "15", description = "Untimed passes of each layer first, so the JIT has "
                + "compiled both before timing starts (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Override
        public Integer call() {
            int t = threads > 0 ? threads : io.moe4j.tensor.cpu.Parallel.threads();
            MoeFfnBench.Result r = MoeFfnBench.run(288, 768, 8, 2, tokens, warmup, reps, t);
            System.out.printf(java.util.Locale.ROOT, "threads %d, %d tokens, median of %d fwd+bwd passes after %d untimed%n", t, tokens,
                    reps, warmup);
            System.out.printf(java.util.Locale.ROOT, "dense FFN 288->768:            %8.1f ms%n", r.denseMs());
            System.out.printf(java.util.Locale.ROOT, "MoE FFN 8x96 top-2 noisy gate: %8.1f ms%n", r.moeMs());
            System.out.printf(java.util.Locale.ROOT, "speed-up MoE vs dense: %.2fx (ideal N/k = 4)%n", r.speedup());
            System.out.printf(java.util.Locale.ROOT, "per-pair speed-up (dense pass / next MoE pass): median %.2fx, quartiles %.2f-%.2f%n",
                    r.pairMedian(), r.pairLow(), r.pairHigh());
            return 0;
        }
    }

    @Command(name = "bench-gemm", mixinStandardHelpOptions = true,
            description = "SGEMM GFLOP/s of moe4j's CPU GEMM beside numpy/OpenBLAS (when python3 has numpy), "
                    + "for M=N=K in 256..2048 and the stories15M FFN shapes, on 1 and 2 threads.")
    static final class BenchGemm implements Callable<Integer> {
        @Option(names = "--threads", defaultValue = "1,2", description = "Comma-separated thread counts (default: ${DEFAULT-VALUE}).")
        String threads;

        @Option(names = "--samples", defaultValue = "7", description = "Timed samples per shape; the median is printed (default: ${DEFAULT-VALUE}).")
        int samples;

        @Option(names = "--sample-ms", defaultValue = "250", description = "Minimum length of one sample in ms (default: ${DEFAULT-VALUE}).")
        int sampleMs;

        @Option(names = "--quick", description = "Only the 256 and 512 squares (for smoke tests).")
        boolean quick;

        @Option(names = "--no-blas", description = "Do not time numpy/OpenBLAS.")
        boolean noBlas;

        /**
         * One thread count runs here; several run one after another, each in a fresh JVM. Measured: after the
         * 1-thread pass had warmed the JIT in this JVM, the 2-thread pass ran at 0.5-0.7x OpenBLAS, against
         * 0.87-0.94x when it ran first, so each count gets a JIT of its own.
         */
        @Override
        public Integer call() throws Exception {
            String[] counts = threads.split(",");
            for (String t : counts) {
                List<String> a = new ArrayList<>(List.of("--threads", t.trim(), "--samples", "" + samples, "--sample-ms", "" + sampleMs));
                if (quick) a.add("--quick");
                if (noBlas) a.add("--no-blas");
                if (counts.length == 1) {
                    GemmBench.main(a.toArray(new String[0]));
                    continue;
                }
                List<String> cmd = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--add-modules", "jdk.incubator.vector"));
                System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("moe4j."))
                        .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
                cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.moe4j.cli.Main", "bench-gemm"));
                cmd.addAll(a);
                int rc = new ProcessBuilder(cmd).inheritIO().start().waitFor();
                if (rc != 0) return rc;
            }
            return 0;
        }
    }
}
