package io.moe4j.nn;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.cpu.Parallel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * Decode speed of {@link LlamaModel#forwardToken}, measured the way llama2.c's run.c reports
 * "achieved tok/s": 256 greedy steps from BOS, the clock started after the first token. Models:
 * the real stories260K (test resource) and a random-weight model of stories15M's shape (dim 288,
 * 6 layers, 6 heads, F 768, V 32000, shared head), which decodes at the trained model's speed.
 *
 * <p>Run after {@code mvn -pl nn -am test-compile -Dmoe4j.target=target-nn}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp nn/target-nn/test-classes:nn/target-nn/classes:\
 *   autograd/target-nn/classes:tensor/target-nn/classes io.moe4j.nn.DecodeBench [runs]
 * </pre>
 */
public final class DecodeBench {
    private static final int STEPS = 256;

    private DecodeBench() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 11;
        Llama2cTestLoader.Loaded l = Llama2cTestLoader.stories260K();
        LlamaModel small = LlamaModel.fromStateDict(l.config(), l.stateDict());
        LlamaModel s15 = LlamaModel.random(LlamaConfig.llama2c(288, 768, 6, 6, 6, 32000, 256, true), DType.F32, 1);
        System.out.printf("java %s, %d processors, pool threads available: %d%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), Parallel.threads());
        for (int threads : new int[] {1, 2}) {
            report("stories260K", small, threads, runs);
            report("stories15M-shape (random)", s15, threads, runs);
        }
    }

    private static void report(String name, LlamaModel m, int threads, int runs) {
        double[] tps = new double[runs], cpu = new double[runs];
        Parallel.withThreads(threads, () -> {
            KvCache cache = m.newKvCache(STEPS);
            long until = System.nanoTime() + 3_000_000_000L; // warm-up: let C2 compile the Vector API code
            for (int w = 0; w < 3 || System.nanoTime() < until; w++) decode(m, cache, new double[2]);
            double[] r2 = new double[2];
            for (int r = 0; r < runs; r++) {
                decode(m, cache, r2);
                tps[r] = r2[0];
                cpu[r] = r2[1];
            }
        });
        Arrays.sort(tps);
        Arrays.sort(cpu);
        System.out.printf("%-28s threads=%d: %8.0f tok/s median (min %.0f, max %.0f, n=%d); calling thread CPU time: %.0f tok/cpu-s%n",
                name, threads, tps[runs / 2], tps[0], tps[runs - 1], runs, cpu[runs / 2]);
    }

    /**
     * One 256-step greedy generation; out[0] = tokens per wall second after the first token,
     * out[1] = tokens per CPU second of the calling thread (a load-independent figure on a shared
     * machine when threads = 1).
     */
    static void decode(LlamaModel m, KvCache cache, double[] out) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int token = 1;
        long start = 0, cpu0 = 0;
        for (int pos = 0; pos < STEPS; pos++) {
            float[] logits = m.forwardToken(token, pos, cache);
            token = Sampler.argmax(logits);
            if (pos == 0) {
                start = System.nanoTime();
                cpu0 = mx.getCurrentThreadCpuTime();
            }
        }
        out[0] = (STEPS - 1) / ((System.nanoTime() - start) / 1e9);
        out[1] = (STEPS - 1) / ((mx.getCurrentThreadCpuTime() - cpu0) / 1e9);
    }
}
