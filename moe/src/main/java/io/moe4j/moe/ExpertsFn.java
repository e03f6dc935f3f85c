package io.moe4j.moe;

import io.moe4j.autograd.Function;
import io.moe4j.autograd.Var;
import io.moe4j.nn.functions.VecMath;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Storage;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.cpu.FloatMath;
import io.moe4j.tensor.cpu.Gemm;
import io.moe4j.tensor.cpu.Parallel;
import io.moe4j.tensor.cpu.ScratchPool;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The expert half of an MoE layer as one fused Function: given x [T, C], the routing weights s [T·k] and the N
 * experts' gate/up [m_e, C] and down [C, m_e] weights, computes y[t] = Σ_j s[t,j] · sf · E_{e(t,j)}(x[t]).
 *
 * <p>Why fused: composed from autograd ops, each expert costs a gather node, three Linear nodes, a SwiGLU node,
 * a mul and an index-add that copies the whole [T, C] output, forward and backward. Here the (token, slot) pairs
 * arrive grouped by expert; each expert runs its three GEMMs and the SwiGLU on its rows, which the F32 GEMMs read
 * in x (and in the output gradient) through the token index ({@link Gemm#sgemmGathered}), with no copy; F64 gathers
 * them into a contiguous block first. The row-wise steps run in row chunks pulled by the pool's threads (every row's bits are
 * independent of the chunking, {@link Gemm#sgemmRowStable}); the weight gradients, which sum over an expert's
 * rows, run as one whole GEMM per expert and projection. The combine adds each token's k rows in slot order, so
 * the bits do not depend on the thread count. F32 intermediates come from {@link ScratchPool}; F64 (for GradCheck)
 * runs the same steps with scalar double loops.
 *
 * <p>Backward, with w = s·sf: u = g[t]·D; ds = sf·⟨g[t], E(x)⟩ = sf·⟨u, A⟩; gA = w·u; gD = g[t]ᵀ·(w·A); gH1 = gA⊙h2⊙silu'(h1),
 * gH2 = gA⊙silu(h1); gX = gH1·G + gH2·U; gG = gH1ᵀ·X; gU = gH2ᵀ·X; gx[t] = Σ_j gX of its k pairs.
 */
final class ExpertsFn extends Function {

    /** Rows routed to each expert: token ids and pair ids (t·k + j), both in token order. */
    record Dispatch(int[][] tokens, int[][] pairs, int t, int k) {}

    private final Dispatch d;
    private final int dim, n;
    private final int[] rowOf;
    private final int[] rowIndex;
    private final double sf;
    private Tensor x, s;
    private Tensor[] wg, wu, wd, w12, xe, h, act, ye;
    private boolean released;

    private ExpertsFn(Dispatch d, int dim, int n, double sf) {
        this.d = d;
        this.dim = dim;
        this.n = n;
        this.sf = sf;
        rowOf = new int[d.t * d.k];
        rowIndex = new int[d.t * d.k];
        for (int e = 0; e < n; e++)
            for (int r = 0; r < d.pairs[e].length; r++) {
                rowOf[d.pairs[e][r]] = e;
                rowIndex[d.pairs[e][r]] = r;
            }
    }

    /** x [T, C], scores [T·k] (same dtype); weights as the bank holds them. Returns [T, C]. */
    static Var apply(Dispatch d, Var x, Var scores, ExpertBank bank, double sf) {
        int n = bank.numExperts();
        Var[] in = new Var[2 + 3 * n];
        in[0] = x;
        in[1] = scores;
        for (int e = 0; e < n; e++) {
            in[2 + e] = bank.gate(e).var();
            in[2 + n + e] = bank.up(e).var();
            in[2 + 2 * n + e] = bank.down(e).var();
        }
        return Function.apply(new ExpertsFn(d, bank.dim(), n, sf), in);
    }

    @Override
    public String key() {
        return "ExpertsFn";
    }

    @Override
    protected Tensor forward(Tensor... in) {
        x = in[0].contiguous();
        s = in[1].contiguous();
        wg = Arrays.copyOfRange(in, 2, 2 + n);
        wu = Arrays.copyOfRange(in, 2 + n, 2 + 2 * n);
        wd = Arrays.copyOfRange(in, 2 + 2 * n, 2 + 3 * n);
        w12 = new Tensor[n];
        xe = new Tensor[n];
        h = new Tensor[n];
        act = new Tensor[n];
        ye = new Tensor[n];
        DType dt = x.dtype();
        for (int e = 0; e < n; e++) {
            int rows = d.tokens[e].length, m = wg[e].size(0);
            w12[e] = stack(wg[e], wu[e]); // [2m, C]: one GEMM for gate and up
            xe[e] = dt == DType.F32 ? null : scratch(dt, rows, dim); // F32 GEMMs read x's rows through the token index
            h[e] = scratch(dt, rows, 2 * m); // [h1 | h2]
            act[e] = scratch(dt, rows, m);
            ye[e] = scratch(dt, rows, dim);
        }
        eachRowChunk((e, r0, r1) -> {
            if (xe[e] == null) {
                gemmTokenRows(x, e, w12[e], true, h[e], r0, r1);
            } else {
                gatherRows(x, d.tokens[e], xe[e], r0, r1);
                gemmRows(xe[e], w12[e], true, h[e], r0, r1);
            }
            swiglu(h[e], act[e], r0, r1);
            gemmRows(act[e], wd[e], true, ye[e], r0, r1);
        });
        Tensor out = combine(ye, true);
        ScratchPool.give(ye); // backward needs the experts' outputs only through ⟨g·D, act⟩
        boolean tracked = false;
        for (int i = 0; i < 2 + 3 * n; i++) tracked |= needs(i);
        if (!tracked) release(); // no backward will come (inference)
        return out;
    }

    @Override
    protected Tensor[] backward(Tensor gradOut) {
        if (released) throw new IllegalStateException("ExpertsFn: a second backward through the same MoE layer output; its saved buffers were "
                + "already reused (run forward again)");
        Tensor g = gradOut.contiguous();
        DType dt = x.dtype();
        Tensor gs = Tensor.zeros(dt, d.t * d.k);
        Tensor[] gy = new Tensor[n], gh = new Tensor[n], gxe = new Tensor[n], grads = new Tensor[2 + 3 * n];
        for (int e = 0; e < n; e++) {
            int rows = d.tokens[e].length, m = wg[e].size(0);
            gy[e] = dt == DType.F32 ? null : scratch(dt, rows, dim); // F32 reads g's rows through the token index
            gh[e] = scratch(dt, rows, 2 * m); // [gH1 | gH2]
            gxe[e] = scratch(dt, rows, dim);
        }
        eachRowChunk((e, r0, r1) -> { // row-wise steps: any chunking gives the same bits
            Tensor ga = scratch(dt, r1 - r0, wg[e].size(0));
            if (dt == DType.F32) {
                gemmTokenRows(g, e, wd[e], false, ga, r0, r1);
            } else {
                gatherRows(g, d.tokens[e], gy[e], r0, r1);
                gemmRows(gy[e].narrow(0, r0, r1 - r0), wd[e], false, ga, 0, r1 - r0);
            }
            scoreRows(e, ga, gs, r0, r1);
            swigluBackward(ga, h[e], gh[e], r0, r1);
            ScratchPool.give(ga);
            gemmRows(gh[e], w12[e], false, gxe[e], r0, r1);
        });
        eachUnit(2 * n, u -> { // weight gradients sum over an expert's rows: one whole GEMM each
            int e = u / 2;
            if (u % 2 == 0) {
                grads[2 + 2 * n + e] = dt == DType.F32 ? tokenRowsT(g, e, act[e], true) : Ops.matmul(gy[e].transpose(0, 1), act[e]);
                return;
            }
            Tensor gw12 = dt == DType.F32 ? tokenRowsT(x, e, gh[e], false) : Ops.matmul(gh[e].transpose(0, 1), xe[e]);
            int m = wg[e].shape()[0];
            grads[2 + e] = gw12.narrow(0, 0, m);
            grads[2 + n + e] = gw12.narrow(0, m, m);
        }, u -> (u % 2 == 0 ? 1L : 2L) * d.tokens[u / 2].length);
        grads[0] = combine(gxe, false);
        grads[1] = gs;
        release();
        for (Tensor[] ts : new Tensor[][] {gy, gh, gxe}) ScratchPool.give(ts);
        for (int i = 0; i < grads.length; i++) grads[i] = needs(i) ? fresh(grads[i]) : null;
        return grads;
    }

    /** F32 intermediates come from {@link ScratchPool} (every element is written before it is read); F64 ones are fresh. */
    private static Tensor scratch(DType dt, int rows, int cols) {
        return dt == DType.F32 ? ScratchPool.take(rows, cols) : Tensor.zeros(dt, rows, cols);
    }

    /** Hands the forward's saved buffers back to the pool; after this, backward is refused. */
    private void release() {
        released = true;
        for (Tensor[] ts : new Tensor[][] {xe, h, act}) ScratchPool.give(ts);
    }

    // ---------------------------------------------------------------- scheduling

    interface RowTask {
        void run(int expert, int r0, int r1);
    }

    /**
     * Runs {@code body} over every expert's rows, cut into chunks: whole experts on one thread, and on more threads
     * chunks of about 1/(8·threads) of all rows (each expert in equal parts, so no unit is a sliver that packs the
     * expert's weights for a few rows: 3.2-3.6% off a 2-thread pass in an in-process A/B against 256-row chunks), so the
     * threads stay busy to the end whatever the routing. The steps run this way are row-wise (a GEMM row of C depends
     * only on its own row of A), so the chunking never changes a bit.
     */
    private void eachRowChunk(RowTask body) {
        int threads = Parallel.threads(), total = d.t * d.k;
        int chunk = threads == 1 ? Integer.MAX_VALUE : Math.max(64, (total / (8 * threads) + 7) / 8 * 8);
        java.util.List<int[]> units = new java.util.ArrayList<>();
        for (int e = 0; e < n; e++) {
            int rows = d.tokens[e].length, parts = (int) Math.max(1, Math.round(rows / (double) chunk));
            for (int p = 0; p < parts; p++) // equal parts, no sliver: each unit packs the expert's weights once
                units.add(new int[] {e, (int) ((long) rows * p / parts), (int) ((long) rows * (p + 1) / parts)});
        }
        eachUnit(units.size(), i -> body.run(units.get(i)[0], units.get(i)[1], units.get(i)[2]),
                i -> units.get(i)[2] - units.get(i)[1]);
    }

    /**
     * Runs units 0..count-1, largest {@code cost} first, each pulled by the next free pool thread and run alone (nested
     * kernels stay on that thread), so which thread ran a unit never changes a result. Units of cost 0 are skipped.
     */
    private static void eachUnit(int count, IntConsumer body, java.util.function.IntToLongFunction cost) {
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Long.compare(cost.applyAsLong(b), cost.applyAsLong(a)));
        AtomicInteger next = new AtomicInteger();
        Parallel.forRange(Math.min(Parallel.threads(), count), 1, (p0, p1) -> Parallel.withThreads(1, () -> {
            for (int i; (i = next.getAndIncrement()) < count; ) {
                int u = order[i];
                if (cost.applyAsLong(u) > 0) body.accept(u);
            }
        }));
    }

    /**
     * out rows [r0, r1) = src[tokens of expert e, rows r0..r1) · op(b) (F32): the GEMM reads src's rows through the
     * token index ({@link Gemm#sgemmGathered}), so the expert's rows are never copied out. out is contiguous from 0 with
     * its own rows [r0, r1) at row r0, or holds just those rows from row 0 when it has r1 − r0 rows.
     */
    private void gemmTokenRows(Tensor src, int e, Tensor b, boolean bT, Tensor out, int r0, int r1) {
        int nn = out.size(1), rows = r1 - r0, at = out.size(0) == rows ? 0 : r0;
        if (rows == 0) return;
        Gemm.sgemmGathered(false, bT, rows, nn, dim, 1f, src.storage().f, src.offset(), dim, d.tokens[e], r0, b.storage().f, b.offset(),
                bT ? dim : nn, null, 0, 0f, out.storage().f, at * nn, nn);
    }

    /**
     * A weight gradient with the expert's token rows of src (F32): src[tokens]ᵀ·other [C, w] when {@code srcFirst}, else
     * otherᵀ·src[tokens] [w, C], where other [rows, w] is contiguous from 0.
     */
    private Tensor tokenRowsT(Tensor src, int e, Tensor other, boolean srcFirst) {
        int rows = d.tokens[e].length, w = other.size(1);
        float[] s = src.storage().f, o = other.storage().f;
        Tensor out = Tensor.zeros(DType.F32, srcFirst ? dim : w, srcFirst ? w : dim);
        if (srcFirst) Gemm.sgemmGathered(true, false, dim, w, rows, 1f, s, src.offset(), dim, d.tokens[e], 0, o, 0, w, null, 0, 0f, out.storage().f, 0, w);
        else Gemm.sgemmGathered(true, false, w, dim, rows, 1f, o, 0, w, null, 0, s, src.offset(), dim, d.tokens[e], 0, 0f, out.storage().f, 0, dim);
        return out;
    }

    /** out[r0, r1) = a[r0, r1) · op(b), op(b) = bᵀ for b [N, K] when {@code bT}, else b [K, N]; all contiguous from 0. */
    private static void gemmRows(Tensor a, Tensor b, boolean bT, Tensor out, int r0, int r1) {
        int k = a.size(1), nn = out.size(1), rows = r1 - r0;
        if (rows == 0) return;
        if (out.dtype() == DType.F32) {
            Gemm.sgemmRowStable(false, bT, rows, nn, k, 1f, a.storage().f, a.offset() + r0 * k, k, b.storage().f, b.offset(),
                    bT ? k : nn, 0f, out.storage().f, r0 * nn, nn);
            return;
        }
        Tensor r = Ops.matmul(a.narrow(0, r0, rows), bT ? b.transpose(0, 1) : b).contiguous();
        System.arraycopy(r.storage().d, r.offset(), out.storage().d, r0 * nn, rows * nn);
    }

    // ---------------------------------------------------------------- row kernels (F32 vector, F64 scalar)

    /** [g; u] stacked along rows (both [m, C]): a view when u's rows follow g's in one storage, else a new tensor. */
    private static Tensor stack(Tensor g, Tensor u) {
        if (g.isContiguous() && u.isContiguous() && g.storage() == u.storage() && u.offset() == g.offset() + g.numel())
            return new Tensor(g.storage(), new int[] {2 * g.size(0), g.size(1)}, new int[] {g.size(1), 1}, g.offset());
        Tensor gc = g.contiguous(), uc = u.contiguous(), out = Tensor.zeros(g.dtype(), 2 * g.size(0), g.size(1));
        int len = gc.numel();
        Storage o = out.storage();
        if (o.dtype == DType.F32) {
            System.arraycopy(gc.storage().f, gc.offset(), o.f, 0, len);
            System.arraycopy(uc.storage().f, uc.offset(), o.f, len, len);
        } else {
            System.arraycopy(gc.storage().d, gc.offset(), o.d, 0, len);
            System.arraycopy(uc.storage().d, uc.offset(), o.d, len, len);
        }
        return out;
    }

    /** out[r0, r1) = x[rows[r0, r1)]: expert rows gathered into a contiguous [rows, C] block. */
    private void gatherRows(Tensor src, int[] rows, Tensor out, int r0, int r1) {
        int c = dim;
        Storage a = src.storage(), o = out.storage();
        for (int r = r0; r < r1; r++) {
            int from = src.offset() + rows[r] * c;
            if (a.dtype == DType.F32) System.arraycopy(a.f, from, o.f, r * c, c);
            else System.arraycopy(a.d, from, o.d, r * c, c);
        }
    }

    /** [T, C]: row t = Σ_j w · rows[e(t,j)][r(t,j)] in slot order, w = s·sf when {@code scored}, else 1. */
    private Tensor combine(Tensor[] rows, boolean scored) {
        int c = dim, k = d.k;
        Tensor out = Tensor.zeros(x.dtype(), d.t, c);
        Storage o = out.storage(), sc = s.storage();
        Parallel.forRange(d.t, 64, (t0, t1) -> {
            for (int t = t0; t < t1; t++)
                for (int j = 0; j < k; j++) {
                    int pair = t * k + j;
                    double w = scored ? sc.get(s.offset() + pair) * sf : 1;
                    Storage src = rows[rowOf[pair]].storage();
                    int from = rowIndex[pair] * c;
                    if (o.dtype != DType.F32) for (int i = 0; i < c; i++) o.d[t * c + i] += w * src.d[from + i];
                    else if (j > 0) VecMath.axpy((float) w, src.f, from, o.f, t * c, c);
                    else if (scored) VecMath.scaleInto((float) w, src.f, from, o.f, t * c, c); // the first slot writes, not adds
                    else System.arraycopy(src.f, from, o.f, t * c, c);
                }
        });
        return out;
    }

    /**
     * Rows [r0, r1) of expert e, with gA holding those rows of g[token]·D from row 0: ds = sf·⟨g[token], E(x)⟩ =
     * sf·⟨g[token]·D, act⟩ (an m-long dot instead of a C-long one, and the experts' outputs need not be kept), written
     * into {@code gs}; then gA and act are scaled by w = s·sf, so gA = gY·D and gYᵀ·act is the down projection's
     * gradient with the unscaled g rows.
     */
    private void scoreRows(int e, Tensor gA, Tensor gs, int r0, int r1) {
        int m = gA.size(1);
        Storage ga = gA.storage(), a = act[e].storage(), sc = s.storage();
        for (int r = r0; r < r1; r++) {
            int pair = d.pairs[e][r], go = (r - r0) * m, ao = r * m;
            double w = sc.get(s.offset() + pair) * sf;
            if (ga.dtype == DType.F32) {
                gs.storage().f[pair] = (float) sf * VecMath.dot(ga.f, go, a.f, ao, m);
                VecMath.scaleInto((float) w, ga.f, go, ga.f, go, m);
                VecMath.scaleInto((float) w, a.f, ao, a.f, ao, m);
            } else {
                double dot = 0;
                for (int i = 0; i < m; i++) {
                    dot += ga.d[go + i] * a.d[ao + i];
                    ga.d[go + i] *= w;
                    a.d[ao + i] *= w;
                }
                gs.storage().d[pair] = sf * dot;
            }
        }
    }

    /** act rows [r0, r1) = silu(h1) ⊙ h2 for h = [h1 | h2] of shape [n, 2m]; both contiguous at offset 0. */
    static void swiglu(Tensor h, Tensor act, int r0, int r1) {
        int m = act.size(1);
        if (h.dtype() == DType.F32) {
            float[] x = h.storage().f, o = act.storage().f;
            for (int r = r0; r < r1; r++) FloatMath.swiglu(x, r * 2 * m, x, r * 2 * m + m, o, r * m, m);
        } else {
            double[] x = h.storage().d, o = act.storage().d;
            for (int r = r0; r < r1; r++)
                for (int i = 0; i < m; i++) o[r * m + i] = x[r * 2 * m + i] / (1 + Math.exp(-x[r * 2 * m + i])) * x[r * 2 * m + m + i];
        }
    }

    /**
     * Rows [r0, r1) of [gA ⊙ h2 ⊙ silu'(h1) | gA ⊙ silu(h1)] (shape [n, 2m]), with silu'(a) = σ(a)·(1 + a·(1 − σ(a)));
     * gA holds just those rows, from row 0.
     */
    static void swigluBackward(Tensor gA, Tensor h, Tensor out, int r0, int r1) {
        int m = gA.size(1);
        if (h.dtype() == DType.F32) {
            float[] g = gA.storage().f, x = h.storage().f, o = out.storage().f;
            for (int r = r0; r < r1; r++) {
                int a = r * 2 * m, b = a + m;
                FloatMath.swigluBackward(g, (r - r0) * m, x, a, x, b, o, a, o, b, m);
            }
        } else {
            double[] g = gA.storage().d, x = h.storage().d, o = out.storage().d;
            for (int r = r0; r < r1; r++)
                for (int i = 0; i < m; i++) {
                    int a = r * 2 * m + i;
                    double v = x[a], sg = 1 / (1 + Math.exp(-v)), gi = g[(r - r0) * m + i];
                    o[a] = gi * x[a + m] * sg * (1 + v * (1 - sg));
                    o[a + m] = gi * v * sg;
                }
        }
    }
}
