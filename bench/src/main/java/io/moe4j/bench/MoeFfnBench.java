package io.moe4j.bench;

import io.moe4j.autograd.Var;
import io.moe4j.moe.MoeFfn;
import io.moe4j.moe.MoeSpec;
import io.moe4j.nn.FeedForward;
import io.moe4j.nn.SwiGluFfn;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.cpu.Parallel;
import java.util.Arrays;

/**
 * Forward + backward time of one MoE FFN layer against the dense SwiGLU FFN of the same total
 * width, on the same input: by default stories15M's FFN (C = 288, F = 768) split into 8 experts of
 * 96 with top-2 routing, over 2048 tokens. The ideal speed-up is N/k = 4 (a quarter of the expert
 * FLOPs), less the router and the gather/scatter of the dispatch. Dense and MoE passes alternate, so both
 * medians come from the same stretch of machine time.
 */
public final class MoeFfnBench {
    private MoeFfnBench() {}

    /**
     * Medians of the dense and MoE passes, and the quartiles of the per-pair ratios (each dense pass over the MoE pass
     * that follows it): the machine's speed drifts by up to a third within a run, and a pair sees one state of it, so
     * the per-pair median is the steadier estimate of the speed-up.
     */
    public record Result(double denseMs, double moeMs, double pairLow, double pairMedian, double pairHigh) {
        public double speedup() { return denseMs / moeMs; }
    }

    public static Result run(int dim, int hidden, int experts, int topK, int tokens, int warmup, int reps, int threads) {
        Tensor x = Tensor.randn(1, DType.F32, 1, 1, tokens, dim), gy = Tensor.randn(2, DType.F32, 1, 1, tokens, dim);
        SwiGluFfn dense = new SwiGluFfn(dim, hidden, DType.F32);
        int[] sizes = new int[experts];
        Arrays.fill(sizes, hidden / experts);
        MoeFfn moe = new MoeFfn(dim, MoeSpec.llamaMoe(sizes, topK), DType.F32, 3);
        randomise(dense);
        randomise(moe);
        moe.train(true); // noisy gate + smooth load estimator, as in training
        double[] d = new double[reps], m = new double[reps];
        Parallel.withThreads(threads, () -> {
            for (int i = -warmup; i < reps; i++) { // alternate, so both see the same machine load
                double td = passMs(dense, x, gy), tm = passMs(moe, x, gy);
                if (i >= 0) { d[i] = td; m[i] = tm; }
            }
        });
        double[] ratio = new double[reps];
        for (int i = 0; i < reps; i++) ratio[i] = d[i] / m[i];
        Arrays.sort(ratio);
        return new Result(median(d), median(m), ratio[reps / 4], median(ratio), ratio[(3 * reps) / 4]);
    }

    private static void randomise(FeedForward f) {
        long seed = 11;
        for (Var p : f.parameters()) {
            Tensor t = p.data();
            Tensor r = Tensor.randn(seed++, DType.F32, 0.05, t.shape());
            System.arraycopy(r.storage().f, 0, t.storage().f, t.offset(), t.numel());
        }
    }

    /**
     * One timed forward+backward pass: the output seeded with a fixed gradient {@code gy} (and the balance loss with 1)
     * in one backward pass, so no loss op of the harness is timed on either side.
     */
    static double passMs(FeedForward f, Tensor x, Tensor gy) {
        long t0 = System.nanoTime();
        Var in = Var.param(x);
        Var y = f.forward(in);
        Var aux = f.auxLoss();
        if (aux == null) y.backward(gy);
        else Var.backward(java.util.List.of(y, aux), java.util.List.of(gy, Tensor.full(aux.dtype(), 1, aux.shape())));
        for (Var p : f.parameters()) p.clearGrad();
        return (System.nanoTime() - t0) / 1e6;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
