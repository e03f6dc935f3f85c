package io.moe4j.moe;

import io.moe4j.autograd.Function;
import io.moe4j.autograd.Var;
import io.moe4j.moe.gatemath.SmoothLoad;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;

/**
 * Shazeer's smooth load estimator as a differentiable op: inputs clean logits, σ and noisy logits
 * (each [T, N]), output load [N] = Σ_t P(expert i stays in the top-k under resampled noise). The
 * maths and its partial derivatives live in {@link SmoothLoad}; noisy = clean + n⊙σ is built in
 * the graph, so autograd chains the threshold terms onto clean and σ.
 */
public final class SmoothLoadFn extends Function {
    private final int k;
    private final SmoothLoad.InRule rule;
    private double[][] clean, sigma, noisy;
    private DType dtype;

    private SmoothLoadFn(int k, SmoothLoad.InRule rule) {
        this.k = k;
        this.rule = rule;
    }

    public static Var apply(Var clean, Var sigma, Var noisy, int k, SmoothLoad.InRule rule) {
        return Function.apply(new SmoothLoadFn(k, rule), clean, sigma, noisy);
    }

    @Override
    protected Tensor forward(Tensor... in) {
        dtype = in[0].dtype();
        clean = rows(in[0]);
        sigma = rows(in[1]);
        noisy = rows(in[2]);
        double[] load = SmoothLoad.load(clean, noisy, sigma, k, rule);
        return Tensor.of(load, load.length).to(dtype);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        SmoothLoad.Grads gr = SmoothLoad.backward(clean, noisy, sigma, k, rule, g.toDoubleArray());
        return new Tensor[] {tensor(gr.clean()), tensor(gr.sigma()), tensor(gr.noisy())};
    }

    private Tensor tensor(double[][] rows) {
        int t = rows.length, n = t == 0 ? 0 : rows[0].length;
        double[] flat = new double[t * n];
        for (int i = 0; i < t; i++) System.arraycopy(rows[i], 0, flat, i * n, n);
        return Tensor.of(flat, t, n).to(dtype);
    }

    static double[][] rows(Tensor x) {
        int t = x.size(0), n = x.size(1);
        double[] flat = x.toDoubleArray();
        double[][] r = new double[t][n];
        for (int i = 0; i < t; i++) System.arraycopy(flat, i * n, r[i], 0, n);
        return r;
    }
}
