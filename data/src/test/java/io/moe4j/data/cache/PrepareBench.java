package io.moe4j.data.cache;

import io.moe4j.data.ByteTokenizer;
import io.moe4j.data.corpus.Split;
import io.moe4j.data.sampling.BatchLoader;
import io.moe4j.data.sampling.DomainSampler;
import io.moe4j.data.sampling.DomainWeights;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;

/**
 * Times Prepare on a corpus with the byte tokenizer, the no-op re-run, and the cost of one packed
 * batch read from the cache. Usage: {@code PrepareBench <corpusDir> <outDir> [threads] [B] [T]}.
 * The byte tokenizer is near-free, so the Prepare figure is the I/O + JSON + writing ceiling;
 * a real BPE tokenizer will be the bottleneck.
 */
public final class PrepareBench {
    private PrepareBench() {
    }

    /** CPU time of the whole process (all threads), so results on a shared, loaded machine stay comparable. */
    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    public static void main(String[] args) throws Exception {
        Path corpus = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int b = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        int t = args.length > 4 ? Integer.parseInt(args[4]) : 4096;
        Prepare.deleteTree(out);
        Prepare.Options opts = Prepare.Options.defaults().withLog(s -> { });
        long cpu0 = cpuNanos();
        Prepare.Result cold = Prepare.run(corpus, new ByteTokenizer(), "bench", out, threads, Prepare.Progress.bar(), opts);
        double cpu = (cpuNanos() - cpu0) / 1e9;
        System.out.printf(Locale.ROOT, "prepare: %d docs, %d tokens in %.2f s wall = %.1f M tokens/s (%d threads); "
                        + "%.2f s CPU = %.1f M tokens per CPU-second%n",
                cold.documents(), cold.tokens(), cold.seconds(), cold.tokensPerSecond() / 1e6, threads, cpu, cold.tokens() / cpu / 1e6);
        Prepare.Result again = Prepare.run(corpus, new ByteTokenizer(), "bench", out, threads, Prepare.Progress.none(), opts);
        System.out.printf(Locale.ROOT, "re-run on unchanged input: up to date = %b in %.3f s%n", again.upToDate(), again.seconds());

        try (TokenCache cache = TokenCache.open(out)) {
            LinkedHashMap<String, Double> w = DomainWeights.preset("static-sheared");
            var resolved = DomainWeights.resolve(w, cache.domains(Split.TRAIN), DomainWeights.Mismatch.RENORMALISE, s -> { });
            BatchLoader l = new BatchLoader(cache, new DomainSampler(resolved, 1227, null), BatchLoader.Options.of(b, t));
            for (int i = 0; i < 200; i++) l.next();
            int n = 1000;
            var mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            long sink = 0;
            for (int i = 0; i < n; i++) sink += l.next().inputs()[0][0];
            double us = (System.nanoTime() - t0) / 1e3 / n;
            double cpuUs = (mx.getCurrentThreadCpuTime() - c0) / 1e3 / n;
            System.out.printf(Locale.ROOT, "packed batch B=%d T=%d: %.1f us wall, %.1f us CPU per batch (%.1f M tokens per CPU-second) [%d]%n",
                    b, t, us, cpuUs, b * (double) t / cpuUs, sink % 2);
            long s0 = System.nanoTime();
            byte[] state = l.saveState();
            BatchLoader r = BatchLoader.restore(cache, state);
            r.next();
            System.out.printf(Locale.ROOT, "state: %d bytes, save+restore+first batch %.2f ms%n", state.length, (System.nanoTime() - s0) / 1e6);
        }
    }
}
