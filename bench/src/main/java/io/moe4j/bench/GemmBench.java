package io.moe4j.bench;

import io.moe4j.tensor.cpu.Gemm;
import io.moe4j.tensor.cpu.Parallel;
import io.moe4j.tensor.cpu.SimdConfig;
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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * SGEMM throughput of {@link Gemm} against numpy/OpenBLAS on the same machine in the same run.
 *
 * <p>Prints GFLOP/s (2*M*N*K per call), the median of {@code --samples} timed samples (default 7, each at
 * least {@code --sample-ms} long, after two seconds of warm-up per shape), for square products and the
 * stories15M FFN shapes in Linear form {@code y = x W^T} (transB), on 1 and 2 threads. When {@code python3}
 * imports numpy, the same shapes are timed there with OPENBLAS_NUM_THREADS fixed before import, and the
 * ratio moe4j / OpenBLAS is printed.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp tensor/target/classes:bench/target/classes
 * io.moe4j.bench.GemmBench [--threads 1,2] [--samples 7] [--sample-ms 250] [--clock wall|cpu] [--no-blas] [--quick]}.
 * {@code --clock cpu} divides by CPU time instead of wall time (Java: caller plus pool threads; numpy: its
 * process): on a shared machine it discounts time slices lost to other processes (not their cache
 * pollution); on 2 threads it also charges any spinning of idle pool threads.
 */
public final class GemmBench {
    /** One benchmark shape: C[M,N] = A[M,K] * op(B). */
    record Shape(int m, int n, int k, boolean transB) {
        String label() {
            return String.format(Locale.ROOT, "%5dx%5dx%5d %s", m, n, k, transB ? "x*W^T" : "A*B  ");
        }

        String key() {
            return m + " " + n + " " + k + " " + (transB ? 1 : 0);
        }
    }

    /** Time with process CPU time instead of wall time (both sides): robust to time-slicing on a busy machine. */
    private static boolean cpuClock;

    private GemmBench() {}

    /**
     * Wall time, or with {@code --clock cpu} the CPU time of this thread plus the moe4j pool threads (not the
     * JIT compiler or GC threads, which a process clock would also charge).
     */
    private static long now() {
        if (!cpuClock) {
            return System.nanoTime();
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = mx.getCurrentThreadCpuTime();
        for (Thread t : poolThreads()) {
            sum += Math.max(0, mx.getThreadCpuTime(t.getId()));
        }
        return sum;
    }

    private static List<Thread> pool;

    private static List<Thread> poolThreads() {
        if (pool == null || pool.isEmpty()) {  // the pool starts on first parallel use
            pool = new ArrayList<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("moe4j-cpu-")) {
                    pool.add(t);
                }
            }
        }
        return pool;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = parseArgs(args);
        int samples = Integer.parseInt(opt.getOrDefault("samples", "7"));
        double sampleSec = Integer.parseInt(opt.getOrDefault("sample-ms", "250")) / 1000.0;
        cpuClock = opt.getOrDefault("clock", "wall").equals("cpu");
        int[] threads = Arrays.stream(opt.getOrDefault("threads", "1,2").split(",")).mapToInt(Integer::parseInt).toArray();
        List<Shape> shapes = new ArrayList<>();
        int[] squares = opt.containsKey("quick") ? new int[] {256, 512} : new int[] {256, 512, 1024, 2048};
        for (int s : squares) {
            shapes.add(new Shape(s, s, s, false));
        }
        shapes.add(new Shape(2048, 768, 288, true));  // FFN up (w1/w3): [B*T, C] x [F, C]^T
        shapes.add(new Shape(2048, 288, 768, true));  // FFN down (w2): [B*T, F] x [C, F]^T

        System.out.printf(Locale.ROOT, "java %s, %s, SIMD %d bits, pool %d threads, %s clock, load average %s%n",
                System.getProperty("java.version"), Machine.cpuModel(), SimdConfig.BITS, Parallel.threads(),
                cpuClock ? "CPU-time (caller + pool threads)" : "wall", Machine.loadAverage());
        checkCorrectness();
        boolean blas = !opt.containsKey("no-blas") && numpyAvailable();
        if (!blas) {
            System.out.println("numpy/OpenBLAS: not measured (" + (opt.containsKey("no-blas") ? "--no-blas" : "python3 cannot import numpy") + ")");
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-25s %3s %14s %14s %7s%n", "shape MxNxK", "thr", "moe4j GFLOP/s", "OpenBLAS", "ratio");
        for (int t : threads) {
            try (NumpyPeer peer = blas ? new NumpyPeer(t, samples, sampleSec) : null) {
                for (Shape s : shapes) {  // interleaved per shape, so both sides see the same machine load
                    double[] g = new double[1];
                    Parallel.withThreads(t, () -> g[0] = timeMoe4j(s, samples, sampleSec));
                    Double r = peer == null ? null : peer.time(s);
                    System.out.printf(Locale.ROOT, "%-25s %3d %14.1f %14s %7s   load %s%n", s.label(), t, g[0],
                            r == null ? "-" : String.format(Locale.ROOT, "%.1f", r),
                            r == null ? "-" : String.format(Locale.ROOT, "%.2fx", g[0] / r), Machine.loadAverage());
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nload average at end: %s%n", Machine.loadAverage());
    }

    // ---- moe4j ------------------------------------------------------------------------------------------------

    private static double timeMoe4j(Shape s, int samples, double sampleSec) {
        Random rnd = new Random(42);
        float[] a = gaussian(rnd, s.m * s.k), b = gaussian(rnd, s.k * s.n), c = new float[s.m * s.n];
        int ldb = s.transB ? s.k : s.n;
        Runnable call = () -> Gemm.sgemm(false, s.transB, s.m, s.n, s.k, 1f, a, 0, s.k, b, 0, ldb, 0f, c, 0, s.n);
        return median(call, 2.0 * s.m * s.n * s.k, samples, sampleSec);
    }

    /** Warm-up (about 1 s, at least 3 calls), then {@code samples} timings of enough calls to fill sampleSec. */
    static double median(Runnable call, double flops, int samples, double sampleSec) {
        long start = System.nanoTime();
        for (int i = 0; i < 3 || System.nanoTime() - start < 2_000_000_000L; i++) {  // C2 settles in ~1-2 s
            call.run();
        }
        int calls = 0;  // calibrate over >= 50 ms: the CPU clock ticks only every few milliseconds
        long t0 = now();
        do {
            call.run();
            calls++;
        } while (now() - t0 < 50_000_000L);
        double one = (now() - t0) * 1e-9 / calls;
        int reps = Math.max(1, (int) Math.ceil(sampleSec / one));
        double[] g = new double[samples];
        for (int i = 0; i < samples; i++) {
            long st = now();
            for (int r = 0; r < reps; r++) {
                call.run();
            }
            g[i] = flops * reps / ((now() - st) * 1e-9) / 1e9;
        }
        Arrays.sort(g);
        return g[samples / 2];
    }

    /** Guards against timing a broken kernel: one odd-sized product of each form against a double loop. */
    private static void checkCorrectness() {
        Random rnd = new Random(7);
        for (boolean transB : new boolean[] {false, true}) {
            int m = 301, n = 203, k = 517;
            float[] a = gaussian(rnd, m * k), b = gaussian(rnd, k * n), c = new float[m * n];
            Gemm.sgemm(false, transB, m, n, k, 1f, a, 0, k, b, 0, transB ? k : n, 0f, c, 0, n);
            double worst = 0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 0;
                    for (int p = 0; p < k; p++) {
                        ref += (double) a[i * k + p] * (transB ? b[j * k + p] : b[p * n + j]);
                    }
                    worst = Math.max(worst, Math.abs(ref - c[i * n + j]));
                }
            }
            if (worst > 1e-3) {
                throw new IllegalStateException("Gemm disagrees with the double reference: max error " + worst);
            }
        }
    }

    // ---- numpy / OpenBLAS -------------------------------------------------------------------------------------

    private static final String NUMPY_SCRIPT = String.join("\n",
            "import math, os, sys, time, statistics",
            "nt, samples, sample_sec = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])",
            "clock = time.process_time if sys.argv[4] == 'cpu' else time.perf_counter",
            "os.environ['OPENBLAS_NUM_THREADS'] = str(nt)  # must be fixed before numpy loads OpenBLAS",
            "os.environ['OMP_NUM_THREADS'] = str(nt)",
            "import numpy as np",
            "rng = np.random.default_rng(0)",
            "for line in iter(sys.stdin.readline, ''):",
            "    m, n, k, tb = map(int, line.split())",
            "    a = rng.standard_normal((m, k), dtype=np.float32)",
            "    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)",
            "    bt = b.T if tb else b  # a transposed view: numpy hands OpenBLAS sgemm with transB",
            "    c = np.empty((m, n), dtype=np.float32)",
            "    fn = lambda: np.matmul(a, bt, out=c)",
            "    t0 = time.perf_counter(); n_warm = 0",
            "    while n_warm < 3 or time.perf_counter() - t0 < 2.0:",
            "        fn(); n_warm += 1",
            "    t0 = clock(); calls = 0",
            "    while calls == 0 or clock() - t0 < 0.05:  # the CPU clock ticks only every few ms",
            "        fn(); calls += 1",
            "    reps = max(1, math.ceil(sample_sec * calls / (clock() - t0))); g = []",
            "    for _ in range(samples):",
            "        t0 = clock()",
            "        for _ in range(reps): fn()",
            "        g.append(2.0 * m * n * k * reps / (clock() - t0) / 1e9)",
            "    print(m, n, k, tb, statistics.median(g), flush=True)",
            "");

    private static boolean numpyAvailable() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A python3 process that times one shape per request line; OPENBLAS_NUM_THREADS is fixed at its start. */
    private static final class NumpyPeer implements AutoCloseable {
        private final Path script;
        private final Process process;
        private final BufferedReader out;

        NumpyPeer(int threads, int samples, double sampleSec) throws IOException {
            script = Files.createTempFile("moe4j-sgemm", ".py");
            Files.writeString(script, NUMPY_SCRIPT);
            ProcessBuilder pb = new ProcessBuilder("python3", script.toString(), String.valueOf(threads),
                    String.valueOf(samples), String.valueOf(sampleSec), cpuClock ? "cpu" : "wall").redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
            pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
            process = pb.start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** Median GFLOP/s of the shape, or null when the peer failed. */
        Double time(Shape s) throws IOException {
            process.getOutputStream().write((s.key() + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
            String line = out.readLine();
            if (line == null) {
                return null;
            }
            String[] f = line.trim().split("\\s+");
            return Double.parseDouble(f[4]);
        }

        @Override
        public void close() throws IOException {
            process.getOutputStream().close();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Files.deleteIfExists(script);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static float[] gaussian(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    private static Map<String, String> parseArgs(String[] args) {
        Map<String, String> opt = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("GemmBench: unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            boolean flag = name.equals("quick") || name.equals("no-blas");
            if (!flag && i + 1 >= args.length) {
                throw new IllegalArgumentException("GemmBench: option --" + name + " needs a value");
            }
            opt.put(name, flag ? "" : args[++i]);
        }
        return opt;
    }


}
