package io.moe4j.bench;

import io.moe4j.cli.CommandProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The benchmark sub-commands of {@code moe4j}, registered through {@link CommandProvider}. */
public final class BenchCommands implements CommandProvider {

    @Override
    public List<Object> commands() {
        return List.of(new BenchGemm());
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

        @Override
        public Integer call() throws Exception {
            List<String> a = new ArrayList<>(List.of("--threads", threads, "--samples", "" + samples, "--sample-ms", "" + sampleMs));
            if (quick) a.add("--quick");
            if (noBlas) a.add("--no-blas");
            GemmBench.main(a.toArray(new String[0]));
            return 0;
        }
    }
}
