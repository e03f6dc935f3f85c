package io.moe4j.moe;

import io.moe4j.autograd.Function;
import io.moe4j.moe.gatemath.BalanceLoss;
import io.moe4j.moe.gatemath.SmoothLoad;
import io.moe4j.moe.gatemath.TopK;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.cpu.FloatMath;
import io.moe4j.tensor.cpu.Gemm;
import io.moe4j.tensor.cpu.Parallel;

/**
 * LLaMA-MoE's noisy top-k router (METHOD.md §2.2) as one fused Function, from the token rows to the routing weights
 * and the balance loss: h = W1·x, clean = W2·tanh(h) (MLP router) or h (linear), σ = softplus(W_noise·x) + ε,
 * noisy = clean + σ ⊙ n, the top-k of the noisy logits, their softmax, and w_b·(cv²(importance) + cv²(load)) with
 * Shazeer's smooth load estimate (or the counts, without noise).
 *
 * <p>Why fused: composed from autograd ops the router is a dozen nodes over [T, N] tensors plus three GEMMs of
 * N = 8 columns, each of which packs all of x [T, C]; together they cost about a third of the experts' time. Here
 * x [T, C] is read once forward (one GEMM against W1 and W_noise stacked) and twice backward, the
 * per-token arithmetic runs in double, and tokens go in fixed blocks of {@value #BLOCK} whose partial sums are
 * added in block order, so the bits do not depend on the thread count. {@link TopKGate#useFusedRouter} switches
 * back to the composed path, which the tests compare this with.
 *
 * <p>Inputs: x [T, C], W1 [N, C], then W2 [N, N] for the MLP router, then W_noise [N, C] when noise is on. Output:
 * one packed vector [T·k + 1]: token t's k weights (largest logit first) at [t·k, t·k + k), then the balance loss.
 */
final class RouterFn extends Function {
    private static final int BLOCK = 256;

    private final int n, k, kk;
    private final boolean mlp, noisy, smooth;
    private final double eps, balanceWeight;
    private final Tensor noiseTensor;
    private int t, c, r, xo;
    private DType dtype;
    private float[] xf, wf, pref, w2f;
    private double[] xd, wd, pred;
    private double[] w2, noise, u, clean, sigma, dSigma, logits, probs, phi, imp, load;
    private int[] top, counts;

    /** @param noise [T, N] standard normal draws when the router is noisy (training), else null */
    RouterFn(MoeSpec spec, boolean mlp, Tensor noise) {
        n = spec.numExperts();
        k = spec.topK();
        this.mlp = mlp;
        this.noisy = noise != null;
        this.noiseTensor = noise;
        smooth = noisy && k < n;
        kk = smooth ? k + 1 : k; // the smooth load needs th_in, the (k+1)-th noisy logit
        eps = spec.noiseEpsilon();
        balanceWeight = spec.balanceWeight();
    }

    /** Experts chosen for each token, [T][k], largest logit first. */
    int[][] experts() {
        int[][] e = new int[t][k];
        for (int i = 0; i < t; i++) System.arraycopy(top, i * kk, e[i], 0, k);
        return e;
    }

    /** Slots routed to each expert (they sum to T·k). */
    int[] counts() {
        return counts.clone();
    }

    @Override
    protected Tensor forward(Tensor... in) {
        Tensor x = in[0].contiguous();
        dtype = x.dtype();
        t = x.size(0);
        c = x.size(1);
        xo = x.offset();
        r = noisy ? 2 * n : n;
        stackWeights(in[1], noisy ? in[in.length - 1] : null);
        w2 = mlp ? in[2].toDoubleArray() : null;
        if (mlp && dtype == DType.F32) {
            w2f = new float[n * n];
            for (int i = 0; i < w2f.length; i++) w2f[i] = (float) w2[i];
        }
        noise = noisy ? noiseTensor.toDoubleArray() : null;
        if (dtype == DType.F32) { xf = x.storage().f; pref = new float[t * r]; }
        else { xd = x.storage().d; pred = new double[t * r]; }
        u = new double[t * n];
        clean = mlp ? new double[t * n] : u;
        sigma = noisy ? new double[t * n] : null;
        dSigma = noisy ? new double[t * n] : null;
        phi = smooth ? new double[t * n] : null;
        logits = noisy ? new double[t * n] : clean;
        probs = new double[t * k];
        top = new int[t * kk];
        int blocks = (t + BLOCK - 1) / BLOCK;
        double[][] impPart = new double[blocks][n], loadPart = new double[blocks][n];
        Parallel.forRange(blocks, 1, (b0, b1) -> Parallel.withThreads(1, () -> { // nested GEMMs stay on this thread
            float[] fs = xf != null ? new float[6 * BLOCK * n] : null;
            for (int b = b0; b < b1; b++) {
                int t0 = b * BLOCK, t1 = Math.min(t, t0 + BLOCK);
                if (xf != null) {
                    Gemm.sgemm(false, true, t1 - t0, r, c, 1f, xf, xo + t0 * c, c, wf, 0, c, 0f, pref, t0 * r, r);
                    logitsF32(t0, t1, fs);
                } else {
                    for (int i = t0; i < t1; i++) for (int q = 0; q < r; q++) pred[i * r + q] = dot(xd, xo + i * c, wd, q * c, c);
                    for (int i = t0; i < t1; i++) logitsF64(i);
                }
                for (int i = t0; i < t1; i++) select(i, impPart[b]);
                if (smooth) smoothLoad(t0, t1, loadPart[b], fs);
            }
        }));
        imp = blockSum(impPart);
        counts = new int[n];
        for (int i = 0; i < t; i++) for (int j = 0; j < k; j++) counts[top[i * kk + j]]++;
        load = smooth ? blockSum(loadPart) : countsAsLoad();
        double[] out = new double[t * k + 1];
        System.arraycopy(probs, 0, out, 0, t * k);
        out[t * k] = balanceWeight * (BalanceLoss.cv2(imp) + BalanceLoss.cv2(load));
        return Tensor.of(out, out.length).to(dtype);
    }

    /** Token i's logits in double (the F64 path): u = tanh(h) (MLP), clean = W2·u, σ = softplus(a) + ε, noisy = clean + σ⊙n. */
    private void logitsF64(int i) {
        int o = i * n, po = i * r;
        for (int e = 0; e < n; e++) u[o + e] = mlp ? tanh(pred[po + e]) : pred[po + e];
        if (mlp)
            for (int e = 0; e < n; e++) {
                double s = 0;
                for (int j = 0; j < n; j++) s += w2[e * n + j] * u[o + j];
                clean[o + e] = s;
            }
        if (noisy)
            for (int e = 0; e < n; e++) { // σ = softplus(a) + ε, dσ/da = sigmoid(a), from one exp; linear above 20 as torch
                double a = pred[po + n + e], ea = Math.exp(-Math.abs(a));
                sigma[o + e] = (a > 20 ? a : Math.max(a, 0) + Math.log(1 + ea)) + eps;
                dSigma[o + e] = a > 20 ? 1 : a >= 0 ? 1 / (1 + ea) : ea / (1 + ea);
                logits[o + e] = clean[o + e] + sigma[o + e] * noise[o + e];
            }
    }

    /**
     * The same for tokens [t0, t1) in float32, as torch computes an F32 router, over the block at once: tanh and exp
     * vectorised ({@link FloatMath}), W2·u as one small GEMM, log1p(e) as log(1 + e)·e/((1 + e) − 1) (Goldberg's
     * correction, exact to a few ulps for tiny e). Above a = 17, e^−a is below float32's spacing at a, so σ = a + ε as
     * torch's threshold gives. The results are stored widened into the double arrays the rest of the router reads.
     * On one core this took the router's forward over bench-moe's 2048 tokens from ~3.3 to ~2.2 ms (OpProfile).
     * {@code fs} is scratch of 6·BLOCK·N floats.
     */
    private void logitsF32(int t0, int t1, float[] fs) {
        int m = t1 - t0, len = m * n, o = t0 * n, h = 0, a = BLOCK * n, ut = 2 * BLOCK * n, cl = 3 * BLOCK * n, ex = 4 * BLOCK * n;
        for (int i = 0; i < m; i++) {
            System.arraycopy(pref, (t0 + i) * r, fs, h + i * n, n);
            if (noisy) System.arraycopy(pref, (t0 + i) * r + n, fs, a + i * n, n);
        }
        int cleanAt = h;
        if (mlp) {
            FloatMath.tanh(fs, h, fs, ut, len);
            Gemm.sgemm(false, true, m, n, n, 1f, fs, ut, n, w2f, 0, n, 0f, fs, cl, n);
            for (int j = 0; j < len; j++) u[o + j] = fs[ut + j];
            cleanAt = cl;
        }
        for (int j = 0; j < len; j++) clean[o + j] = fs[cleanAt + j]; // clean is u for the linear router
        if (!noisy) return;
        for (int j = 0; j < len; j++) fs[ex + j] = -Math.abs(fs[a + j]);
        FloatMath.exp(fs, ex, fs, ex, len);
        float ep = (float) eps;
        for (int j = 0; j < len; j++) {
            float av = fs[a + j], ea = fs[ex + j], s1 = 1f + ea;
            float sg = Math.max(av, 0f) + (s1 == 1f ? ea : FloatMath.log(s1) * (ea / (s1 - 1f))) + ep;
            sigma[o + j] = sg;
            dSigma[o + j] = (av >= 0 ? 1f : ea) / s1;
            logits[o + j] = fs[cleanAt + j] + sg * (float) noise[o + j];
        }
    }

    /** Token i's top-k (and the (k+1)-th for the smooth load), the softmax over the k, and their importance. */
    private void select(int i, double[] impAcc) {
        int o = i * n, to = i * kk, so = i * k;
        TopK.indices(logits, o, n, kk, top, to);
        double max = logits[o + top[to]], sum = probs[so] = 1;
        for (int j = 1; j < k; j++) sum += probs[so + j] = Math.exp(logits[o + top[to + j]] - max);
        for (int j = 0; j < k; j++) impAcc[top[to + j]] += probs[so + j] /= sum;
    }

    /**
     * Adds tokens [t0, t1)'s smooth load into {@code loadAcc}: P(e stays in the top-k if only its own noise were drawn
     * again) = Φ((clean − th)/σ), th = th_in for an expert in the top-k, else th_out; keeps φ for backward. F64 runs
     * {@link SmoothLoad#normalCdf(double, double[], int)} per element, F32 the float32 block form over {@code fs}.
     */
    private void smoothLoad(int t0, int t1, double[] loadAcc, float[] fs) {
        int len = (t1 - t0) * n, zs = 0, ps = BLOCK * n, cs = 2 * BLOCK * n;
        for (int i = t0; i < t1; i++) {
            int o = i * n, to = i * kk;
            double thIn = logits[o + top[to + k]], thOut = logits[o + top[to + k - 1]];
            for (int e = 0; e < n; e++) {
                double z = (clean[o + e] - (logits[o + e] > thIn ? thIn : thOut)) / sigma[o + e];
                if (fs == null) loadAcc[e] += SmoothLoad.normalCdf(z, phi, o + e);
                else fs[zs + (i - t0) * n + e] = (float) z;
            }
        }
        if (fs == null) return;
        SmoothLoad.normalCdf(fs, zs, fs, ps, fs, cs, len);
        for (int j = 0, o = t0 * n; j < len; j++) {
            phi[o + j] = fs[ps + j];
            loadAcc[j % n] += fs[cs + j];
        }
    }

    @Override
    protected Tensor[] backward(Tensor gradOut) {
        double[] g = gradOut.toDoubleArray();
        double gAux = g[t * k] * balanceWeight;
        double[] dImp = BalanceLoss.cv2Grad(imp), dLoad = smooth ? BalanceLoss.cv2Grad(load) : null;
        for (int e = 0; e < n; e++) {
            dImp[e] *= gAux;
            if (dLoad != null) dLoad[e] *= gAux;
        }
        int blocks = (t + BLOCK - 1) / BLOCK;
        boolean f32 = dtype == DType.F32;
        Tensor held = f32 && needs(0) ? heldGrad(0) : null; // the experts' x-gradient: G·W is added into it in place
        boolean into = held != null && held.isContiguous();
        float[] gf = f32 ? new float[t * r] : null, gxf = !f32 || !needs(0) ? null : into ? held.storage().f : new float[t * c];
        int gxo = into ? held.offset() : 0;
        float gxBeta = into ? 1f : 0f;
        double[] gd = f32 ? null : new double[t * r], gxd = !f32 && needs(0) ? new double[t * c] : null;
        float[][] partF = f32 ? new float[blocks][r * c] : null;
        double[][] partD = f32 ? null : new double[blocks][r * c];
        double[][] w2Part = new double[blocks][mlp ? n * n : 0];
        Parallel.forRange(blocks, 1, (b0, b1) -> Parallel.withThreads(1, () -> {
            double[] scratch = new double[3 * n];
            for (int b = b0; b < b1; b++) {
                int t0 = b * BLOCK, t1 = Math.min(t, t0 + BLOCK), m = t1 - t0;
                for (int i = t0; i < t1; i++) tokenBackward(i, g, dImp, dLoad, w2Part[b], scratch, gf, gd);
                if (f32) { // gx = G · W, and this block's share of dW = Gᵀ · x
                    if (gxf != null) Gemm.sgemm(false, false, m, c, r, 1f, gf, t0 * r, r, wf, 0, c, gxBeta, gxf, gxo + t0 * c, c);
                    // as xᵀ·G [C, R]: A = xᵀ is read in place (R ≤ 2 register tiles wide), 1.5x faster than Gᵀ·x, which packs x
                    Gemm.sgemm(true, false, c, r, m, 1f, xf, xo + t0 * c, c, gf, t0 * r, r, 0f, partF[b], 0, r);
                } else {
                    if (gxd != null)
                        for (int i = t0; i < t1; i++)
                            for (int j = 0; j < c; j++) {
                                double a = 0;
                                for (int q = 0; q < r; q++) a += gd[i * r + q] * wd[q * c + j];
                                gxd[i * c + j] = a;
                            }
                    for (int q = 0; q < r; q++)
                        for (int j = 0; j < c; j++) {
                            double p = 0;
                            for (int i = t0; i < t1; i++) p += gd[i * r + q] * xd[xo + i * c + j];
                            partD[b][q * c + j] = p;
                        }
                }
            }
        }));
        Tensor gw = f32 ? Tensor.of(blockSum(partF), c, r).transpose(0, 1).contiguous() : Tensor.of(blockSum(partD), r, c);
        Tensor[] grads = new Tensor[2 + (mlp ? 1 : 0) + (noisy ? 1 : 0)];
        grads[0] = into ? null : gxf != null ? Tensor.of(gxf, t, c) : gxd != null ? Tensor.of(gxd, t, c) : null;
        grads[1] = gw.narrow(0, 0, n).contiguous();
        if (mlp) grads[2] = Tensor.of(blockSum(w2Part), n, n).to(dtype);
        if (noisy) grads[grads.length - 1] = gw.narrow(0, n, n).contiguous();
        for (int i = 0; i < grads.length; i++) grads[i] = needs(i) ? fresh(grads[i]) : null;
        return grads;
    }

    /**
     * Backward of token i, writing its row of G = ∂L/∂[h | a] (pre-activations of W1 and W_noise) and adding its
     * share of ∂L/∂W2. Scores: softmax backward over the k chosen logits, with importance adding dImp[e] to each
     * weight's gradient. Smooth load, z = (clean − th)/σ: ∂P/∂clean = φ(z)/σ, ∂P/∂σ = −φ(z)·z/σ, ∂P/∂th = −φ(z)/σ.
     * Then noisy = clean + σ⊙n, σ = softplus(a) + ε, clean = W2·tanh(h).
     */
    private void tokenBackward(int i, double[] g, double[] dImp, double[] dLoad, double[] w2Acc, double[] scratch,
                               float[] gf, double[] gd) {
        int o = i * n, po = i * r, to = i * kk, so = i * k;
        java.util.Arrays.fill(scratch, 0);
        int gl = 0, gc = n, gs = 2 * n; // scratch: ∂L/∂noisy, ∂L/∂clean, ∂L/∂σ
        double dot = 0;
        for (int j = 0; j < k; j++) dot += probs[so + j] * (g[so + j] + dImp[top[to + j]]);
        for (int j = 0; j < k; j++) {
            int e = top[to + j];
            scratch[gl + e] += probs[so + j] * (g[so + j] + dImp[e] - dot);
        }
        if (dLoad != null) {
            int in = top[to + k], out = top[to + k - 1];
            for (int e = 0; e < n; e++) {
                int th = logits[o + e] > logits[o + in] ? in : out;
                double s = sigma[o + e], z = (clean[o + e] - logits[o + th]) / s;
                double dp = dLoad[e] * phi[o + e] / s;
                scratch[gc + e] += dp;
                scratch[gs + e] -= dp * z;
                scratch[gl + th] -= dp;
            }
        }
        for (int e = 0; e < n; e++) {
            scratch[gc + e] += scratch[gl + e];
            if (noisy) setG(gf, gd, po + n + e, (scratch[gs + e] + scratch[gl + e] * noise[o + e]) * dSigma[o + e]);
        }
        if (!mlp) {
            for (int e = 0; e < n; e++) setG(gf, gd, po + e, scratch[gc + e]);
            return;
        }
        for (int e = 0; e < n; e++)
            for (int j = 0; j < n; j++) w2Acc[e * n + j] += scratch[gc + e] * u[o + j];
        for (int j = 0; j < n; j++) {
            double gu = 0;
            for (int e = 0; e < n; e++) gu += scratch[gc + e] * w2[e * n + j];
            setG(gf, gd, po + j, gu * (1 - u[o + j] * u[o + j]));
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void setG(float[] gf, double[] gd, int idx, double v) {
        if (gf != null) gf[idx] = (float) v;
        else gd[idx] = v;
    }

    /** W [R, C]: W1's rows, then W_noise's. */
    private void stackWeights(Tensor w1, Tensor wNoise) {
        double[] a = w1.toDoubleArray(), b = wNoise == null ? null : wNoise.toDoubleArray();
        double[] w = new double[r * c];
        System.arraycopy(a, 0, w, 0, a.length);
        if (b != null) System.arraycopy(b, 0, w, n * c, b.length);
        if (dtype == DType.F32) {
            wf = new float[w.length];
            for (int i = 0; i < w.length; i++) wf[i] = (float) w[i];
        } else {
            wd = w;
        }
    }

    private static double dot(double[] a, int ao, double[] b, int bo, int len) {
        double s = 0;
        for (int i = 0; i < len; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    private double[] countsAsLoad() {
        double[] l = new double[n];
        for (int e = 0; e < n; e++) l[e] = counts[e];
        return l;
    }

    private static double[] blockSum(double[][] parts) {
        double[] s = new double[parts.length == 0 ? 0 : parts[0].length];
        for (double[] p : parts) for (int i = 0; i < s.length; i++) s[i] += p[i];
        return s;
    }

    private static float[] blockSum(float[][] parts) {
        float[] s = parts[0].clone();
        for (int b = 1; b < parts.length; b++) for (int i = 0; i < s.length; i++) s[i] += parts[b][i];
        return s;
    }

    /** tanh from exp, so it costs no native call: (1 − e)/(1 + e)·sign(h) with e = exp(−2|h|); a series near 0. */
    static double tanh(double h) {
        double a = Math.abs(h);
        if (a < 1e-4) return h * (1 - h * h / 3);
        double e = Math.exp(-2 * a), v = (1 - e) / (1 + e);
        return h < 0 ? -v : v;
    }
}
