package io.moe4j.moe;

import io.moe4j.autograd.Var;
import io.moe4j.moe.gatemath.TopK;
import io.moe4j.nn.FeedForward;
import io.moe4j.nn.KvCache;
import io.moe4j.nn.MatVec;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.cpu.FloatMath;

/**
 * The MoE feed-forward layer: y = Σ_{i ∈ TopK(x)} s_i · sf · E_i(x) (METHOD.md §2.3), registered as
 * {@code mlp} with children {@code gate} and {@code calculator.experts}.
 *
 * <p>Dispatch: the (token, slot) pairs are grouped by expert with one counting pass; each expert
 * runs one GEMM chain on its contiguous gathered rows; its outputs are scaled by s·sf and
 * index-added back into a zero [T, C] buffer. All steps are autograd ops, so gradients reach the
 * experts, the scores and the router.
 */
public final class MoeFfn extends FeedForward {
    private final MoeSpec spec;
    private final int dim;
    private final TopKGate gate;
    private final ExpertBank experts;
    private final ResidualBlock residual;
    private Var lastAux;
    private int[] lastCounts;
    private boolean unitScores;
    private boolean fused = true;

    public MoeFfn(int dim, MoeSpec spec, DType dtype, long seed) {
        this.spec = spec;
        this.dim = dim;
        gate = setModule("gate", new TopKGate(dim, spec, dtype, seed));
        experts = setModule("calculator.experts", new ExpertBank(dim, spec.sizes(), dtype, seed + 1000));
        residual = spec.hasResidual()
                ? setModule("residual_block", new ResidualBlock(dim, spec.residualSizes(), spec.residualScale(), dtype, seed + 2000)) : null;
    }

    public MoeSpec spec() { return spec; }
    public TopKGate gate() { return gate; }
    public ExpertBank experts() { return experts; }
    /** The always-on residual experts (Neuron-Sharing Inter), or null. */
    public ResidualBlock residual() { return residual; }

    /**
     * Replaces every routing weight by 1 (the gate still chooses the experts). With k = N and
     * sf = 1 this makes the layer compute Σ_j E_j(x), which equals the dense FFN for any
     * neuron-independent split: the equivalence check of METHOD.md §0.1.
     */
    public void forceUnitScores(boolean on) {
        unitScores = on;
    }

    /**
     * On (the default), the experts run as one fused Function ({@link ExpertsFn}); off, as a chain of autograd
     * primitives (gather, Linear, SwiGLU, index-add per expert). For tests and benchmarks.
     */
    public void useFusedExperts(boolean on) {
        fused = on;
    }

    /** Tokens routed to each expert by the last forward (slots, so they sum to T·k). */
    public int[] lastCounts() {
        return lastCounts == null ? null : lastCounts.clone();
    }

    @Override
    public Var auxLoss() {
        return lastAux;
    }

    @Override
    public Var forward(Var x) {
        int[] shape = x.shape();
        int t = x.data().numel() / dim, k = spec.topK(), n = spec.numExperts();
        Var x2 = x.reshape(t, dim);
        TopKGate.Routed r = gate.route(x2);
        lastAux = r.aux();
        lastCounts = r.counts();
        int[][] tok = new int[n][], pos = new int[n][];
        for (int e = 0; e < n; e++) { tok[e] = new int[r.counts()[e]]; pos[e] = new int[r.counts()[e]]; }
        int[] fill = new int[n];
        for (int i = 0; i < t; i++) // counting pass: pairs land grouped by expert, in token order
            for (int j = 0; j < k; j++) {
                int e = r.experts()[i][j];
                tok[e][fill[e]] = i;
                pos[e][fill[e]++] = i * k + j;
            }
        Var flatScores = unitScores ? Var.constant(Tensor.full(x.dtype(), 1, t * k)) : r.scores().reshape(t * k);
        Var out = fused
                ? ExpertsFn.apply(new ExpertsFn.Dispatch(tok, pos, t, k), x2, flatScores, experts, spec.scale())
                : composed(x2, flatScores, tok, pos);
        if (residual != null) out = out.add(residual.forward(x2));
        return out.reshape(shape);
    }

    /** The same experts and combine from autograd primitives: the unfused path, kept as a cross-check. */
    private Var composed(Var x2, Var flatScores, int[][] tok, int[][] pos) {
        int n = spec.numExperts();
        Var out = Var.constant(Tensor.zeros(x2.dtype(), x2.shape()[0], dim));
        for (int e = 0; e < n; e++) {
            if (tok[e].length == 0) continue;
            Tensor rows = Tensor.ofInts(tok[e], tok[e].length);
            Var ye = experts.forward(e, x2.indexSelect(0, rows));
            Var we = flatScores.indexSelect(0, Tensor.ofInts(pos[e], pos[e].length)).reshape(tok[e].length, 1).scale(spec.scale());
            out = out.indexAdd(0, rows, ye.mul(we));
        }
        return out;
    }

    // ---------------------------------------------------------------- decode path

    @Override
    public int tokenScratchSize() {
        int max = 0;
        for (int s : spec.sizes()) max = Math.max(max, s);
        int own = 2 * max + dim + 3 * spec.numExperts();
        return residual == null ? own : Math.max(own, residual.scratchSize());
    }

    /**
     * One token, no autograd: route (eval mode, no noise), then run the k experts. The matrix-vector work uses the
     * cache's scratch; only the router's N logits, k indices and k weights are small fresh arrays.
     */
    @Override
    public void forwardToken(float[] x, float[] out, KvCache cache) {
        float[] s = cache.ffnScratch();
        MatVec mv = cache.matVec();
        int n = spec.numExperts(), k = spec.topK();
        int hOff = 0, yOff = 2 * maxSize(), lOff = yOff + dim;
        float[] logits = new float[n];
        tokenLogits(x, s, lOff, mv, logits);
        int[] sel = TopK.indices(logits, k);
        double[] w = weights(logits, sel);
        if (unitScores) java.util.Arrays.fill(w, 1.0);
        java.util.Arrays.fill(out, 0, dim, 0f);
        for (int j = 0; j < k; j++) {
            runExpert(experts, sel[j], x, s, hOff, yOff, mv);
            float scale = (float) (w[j] * spec.scale());
            for (int c = 0; c < dim; c++) out[c] += scale * s[yOff + c];
        }
        if (residual != null) residual.addToken(x, out, s, mv);
    }

    /** s[yOff..yOff+C) = E_e(x), using s[hOff..hOff+2m) as work space. */
    static void runExpert(ExpertBank bank, int e, float[] x, float[] s, int hOff, int yOff, MatVec mv) {
        int m = bank.size(e), dim = bank.dim();
        Tensor g = bank.gate(e).data(), u = bank.up(e).data(), d = bank.down(e).data();
        mv.apply(g.storage().f, g.offset(), m, dim, x, 0, s, hOff);
        mv.apply(u.storage().f, u.offset(), m, dim, x, 0, s, hOff + m);
        FloatMath.swiglu(s, hOff, s, hOff + m, s, hOff, m); // as the batch path, so decode and forward agree
        mv.apply(d.storage().f, d.offset(), dim, m, s, hOff, s, yOff);
    }

    private void tokenLogits(float[] x, float[] s, int off, MatVec mv, float[] logits) {
        int n = spec.numExperts();
        Tensor w1 = gate.w1().data();
        mv.apply(w1.storage().f, w1.offset(), n, dim, x, 0, s, off);
        if (gate.w2() == null) {
            System.arraycopy(s, off, logits, 0, n);
            return;
        }
        for (int i = 0; i < n; i++) s[off + i] = (float) Math.tanh(s[off + i]);
        Tensor w2 = gate.w2().data();
        mv.apply(w2.storage().f, w2.offset(), n, n, s, off, logits, 0);
    }

    /** Weights of the selected experts: softmax over the selection, or the full-softmax probability for Switch. */
    private double[] weights(float[] logits, int[] sel) {
        double max = Double.NEGATIVE_INFINITY;
        double[] w = new double[sel.length];
        if (spec.gate() == GateType.SWITCH) {
            for (float l : logits) max = Math.max(max, l);
            double sum = 0;
            for (float l : logits) sum += Math.exp(l - max);
            for (int j = 0; j < sel.length; j++) w[j] = Math.exp(logits[sel[j]] - max) / sum;
            return w;
        }
        for (int e : sel) max = Math.max(max, logits[e]);
        double sum = 0;
        for (int j = 0; j < sel.length; j++) sum += (w[j] = Math.exp(logits[sel[j]] - max));
        for (int j = 0; j < sel.length; j++) w[j] /= sum;
        return w;
    }

    private int maxSize() {
        int max = 0;
        for (int s : spec.sizes()) max = Math.max(max, s);
        return max;
    }
}
