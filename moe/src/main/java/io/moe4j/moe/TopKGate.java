package io.moe4j.moe;

import io.moe4j.autograd.Function;
import io.moe4j.autograd.Var;
import io.moe4j.moe.gatemath.GateNoise;
import io.moe4j.moe.gatemath.SmoothLoad;
import io.moe4j.moe.gatemath.TopK;
import io.moe4j.nn.Module;
import io.moe4j.nn.Param;
import io.moe4j.nn.functions.LinearFn;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;

/**
 * The router of one MoE layer (METHOD.md §2.2), with LLaMA-MoE's parameter names:
 * {@code gate_network.0.weight} [N, C] and {@code gate_network.2.weight} [N, N] for the MLP
 * router (W2·tanh(W1·x)), {@code gate_network.weight} [N, C] for the linear one, and
 * {@code weight_noise.weight} [N, C] (initialised to zero) for the noisy top-k gate.
 *
 * <p>Noise is drawn only in training mode, from a counter-based stream: the n-th forward uses
 * seed {@link GateNoise#seed}(noiseSeed, n), so a checkpoint that stores {@link #noiseCalls()} resumes exactly.
 */
public final class TopKGate extends Module {
    /** Routing of T tokens: expert ids [T][k], their weights [T, k] and the auxiliary loss (scalar, or null). */
    public record Routed(int[][] experts, Var scores, Var aux, int[] counts) {}

    private final MoeSpec spec;
    private final int dim;
    private final Param w1, w2, wNoise;
    private long noiseSeed;
    private long noiseCalls;
    private boolean fused = true;

    public TopKGate(int dim, MoeSpec spec, DType dtype, long initSeed) {
        this.spec = spec;
        this.dim = dim;
        this.noiseSeed = GateNoise.seed(initSeed, 0x5EED); // distinct per layer: layers are built with distinct seeds
        int n = spec.numExperts();
        if (spec.network() == GateNetwork.MLP) {
            w1 = addParam("gate_network.0.weight", Tensor.randn(initSeed, dtype, 0.02, n, dim));
            w2 = addParam("gate_network.2.weight", Tensor.randn(initSeed + 1, dtype, 0.02, n, n));
        } else {
            w1 = addParam("gate_network.weight", Tensor.randn(initSeed, dtype, 0.02, n, dim));
            w2 = null;
        }
        wNoise = spec.gate() == GateType.TOP_K_NOISY ? addParam("weight_noise.weight", Tensor.zeros(dtype, n, dim)) : null;
    }

    public MoeSpec spec() { return spec; }
    public Param w1() { return w1; }
    public Param w2() { return w2; }
    public Param noiseWeight() { return wNoise; }
    public long noiseCalls() { return noiseCalls; }
    public long noiseSeed() { return noiseSeed; }
    public void setNoiseState(long seed, long calls) { noiseSeed = seed; noiseCalls = calls; }

    /** Clean router logits [T, N] for x [T, C]. */
    public Var logits(Var x) {
        Var h = LinearFn.apply(x, w1.var());
        return w2 == null ? h : LinearFn.apply(h.tanh(), w2.var());
    }

    /**
     * On (the default), the noisy top-k gate runs as one fused Function ({@link RouterFn}); off, as a chain of
     * autograd primitives. The Switch and Mixtral gates are always composed. For tests and benchmarks.
     */
    public void useFusedRouter(boolean on) {
        fused = on;
    }

    public Routed route(Var x) {
        int t = x.shape()[0], n = spec.numExperts(), k = spec.topK();
        if (fused && spec.gate() == GateType.TOP_K_NOISY && t > 0) return routeFused(x);
        Var clean = logits(x), logits = clean, sigma = null;
        boolean noisy = isTraining() && spec.addNoise() && wNoise != null;
        if (noisy) {
            sigma = LinearFn.apply(x, wNoise.var()).softplus().affine(1, spec.noiseEpsilon());
            Tensor noise = GateNoise.draw(GateNoise.seed(noiseSeed, noiseCalls++), t, n, x.dtype());
            logits = clean.add(sigma.mul(Var.constant(noise)));
        }
        int[][] experts = TopK.indices(SmoothLoadFn.rows(logits.data()), k);
        int[] counts = new int[n];
        int[] flat = new int[t * k];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < k; j++) { flat[i * k + j] = experts[i][j]; counts[experts[i][j]]++; }
        Tensor idx = Tensor.ofInts(flat, t, k);
        Var scores, aux;
        if (spec.gate() == GateType.SWITCH) {
            Var p = logits.softmax(-1);
            scores = p.gather(1, idx);
            aux = switchAux(p, counts, t * k);
        } else {
            scores = logits.gather(1, idx).softmax(-1);
            aux = spec.gate() == GateType.MIXTRAL ? switchAux(logits.softmax(-1), counts, t * k)
                    : balance(scores, flat, counts, noisy ? clean : null, sigma, logits);
        }
        return new Routed(experts, scores, spec.balanceWeight() == 0 || t == 0 ? null : aux, counts);
    }

    private Routed routeFused(Var x) {
        int t = x.shape()[0], k = spec.topK();
        boolean noisy = isTraining() && spec.addNoise() && wNoise != null;
        Tensor noise = noisy ? GateNoise.draw(GateNoise.seed(noiseSeed, noiseCalls++), t, spec.numExperts(), x.dtype()) : null;
        RouterFn f = new RouterFn(spec, w2 != null, noise);
        java.util.List<Var> in = new java.util.ArrayList<>(java.util.List.of(x, w1.var()));
        if (w2 != null) in.add(w2.var());
        if (noisy) in.add(wNoise.var());
        Var packed = Function.apply(f, in.toArray(new Var[0]));
        Var scores = packed.narrow(0, 0, t * k).reshape(t, k);
        Var aux = spec.balanceWeight() == 0 ? null : packed.narrow(0, t * k, 1).reshape();
        return new Routed(f.experts(), scores, aux, f.counts());
    }

    /** w·(cv²(importance) + cv²(load)); load is the smooth estimate when noisy, else counts. */
    private Var balance(Var scores, int[] flat, int[] counts, Var clean, Var sigma, Var noisyLogits) {
        int n = spec.numExperts(), rows = flat.length;
        Tensor onehot = Tensor.zeros(scores.dtype(), rows, n);
        for (int r = 0; r < rows; r++) onehot.storage().set(r * n + flat[r], 1);
        Var importance = scores.reshape(1, rows).matmul(Var.constant(onehot)).reshape(n);
        Var load;
        if (clean != null && spec.topK() < n) load = SmoothLoadFn.apply(clean, sigma, noisyLogits, spec.topK(), SmoothLoad.InRule.SHAZEER);
        else load = Var.constant(countsTensor(counts, scores.dtype()));
        return Cv2.of(importance).add(Cv2.of(load)).scale(spec.balanceWeight()).reshape();
    }

    /** Switch Transformer loss coef·N·Σ f_i·P_i with f_i = share of routed slots, P_i = mean probability. */
    private Var switchAux(Var probs, int[] counts, int slots) {
        int n = spec.numExperts();
        Tensor f = countsTensor(counts, probs.dtype());
        for (int i = 0; i < n; i++) f.storage().set(i, counts[i] / (double) Math.max(1, slots));
        return probs.mean(0, false).mul(Var.constant(f)).sum(0, false).scale(spec.balanceWeight() * n);
    }

    private static Tensor countsTensor(int[] counts, DType dtype) {
        Tensor c = Tensor.zeros(dtype, counts.length);
        for (int i = 0; i < counts.length; i++) c.storage().set(i, counts[i]);
        return c;
    }

    public int dim() {
        return dim;
    }
}
