package io.moe4j.cuda;

import io.moe4j.cuda.DeviceScope.Dev;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Fused F32 kernels beyond the {@link io.moe4j.tensor.Backend} primitives: RMSNorm, RoPE, SwiGLU,
 * causal GQA attention, softmax cross-entropy, AdamW and the MoE dispatch pieces. Host tensors in,
 * host tensors out, like the primitives; layers that want them call these when the current backend
 * is the CUDA one. Inputs may be any views (they are made contiguous on the device).
 */
public final class CudaFused {
    private final CudaBackend be;
    private final CudaContext ctx;
    private static final int T = CudaBackend.THREADS;

    CudaFused(CudaBackend be) {
        this.be = be;
        this.ctx = be.ctx;
    }

    private static void f32(String op, Tensor... ts) {
        for (Tensor t : ts)
            if (t.dtype() != DType.F32) throw ShapeException.of(op, "needs F32 tensors, got " + t.dtype(), t.shape());
    }

    private static int last(Tensor t) {
        return t.size(-1);
    }

    /** y = x / rms(x) * w over the last axis C; returns {y [..., C], rstd [rows]}. */
    public Tensor[] rmsNorm(Tensor x, Tensor w, double eps) {
        f32("rmsNorm", x, w);
        int c = last(x), rows = x.numel() / Math.max(c, 1);
        if (w.rank() != 1 || w.size(0) != c) throw ShapeException.of("rmsNorm", "weight must be [C]", x.shape(), w.shape());
        synchronized (be) {
            try (DeviceScope s = be.scope()) {
                Dev dx = s.contiguous(s.upload(x)), dw = s.contiguous(s.upload(w));
                Dev y = s.alloc(DType.F32, x.shape()), r = s.alloc(DType.F32, new int[] {rows});
                ctx.launch("rmsnorm_fwd_f32", Math.min(rows, Layout.MAX_BLOCKS), 1, 1, Layout.threadsFor(c, T), 0, dx.ptr(), dw.ptr(), y.base(), r.base(),
                        rows, c, (float) eps);
                return new Tensor[] {s.download(y), s.download(r)};
            }
        }
    }

    /** The gradients {dx, dw} of {@link #rmsNorm} given its saved rstd. */
    public Tensor[] rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor dy) {
        f32("rmsNormBackward", x, w, rstd, dy);
        int c = last(x), rows = x.numel() / Math.max(c, 1);
        synchronized (be) {
            try (DeviceScope s = be.scope()) {
                Dev dx = s.contiguous(s.upload(x)), dw = s.contiguous(s.upload(w)), dr = s.contiguous(s.upload(rstd)), ddy = s.contiguous(s.upload(dy));
                Dev gx = s.alloc(DType.F32, x.shape()), gw = s.upload(Tensor.zeros(DType.F32, c));
                ctx.launch("rmsnorm_bwd_f32", Math.min(rows, Layout.MAX_BLOCKS), 1, 1, Layout.threadsFor(c, T), 0, dx.ptr(), dw.ptr(), dr.ptr(), ddy.ptr(),
                        gx.base(), gw.base(), rows, c);
                return new Tensor[] {s.download(gx), s.download(gw)};
            }
        }
    }

    /** cos and sin tables [T, D/2] for positions pos0 .. pos0+T-1: angle = pos * theta^(-2i/D), in double. */
    public static Tensor[] ropeTables(int t, int d, double theta, int pos0) {
        int half = d / 2;
        float[] c = new float[t * half], s = new float[t * half];
        for (int p = 0; p < t; p++)
            for (int i = 0; i < half; i++) {
                double ang = (pos0 + p) * Math.pow(theta, -2.0 * i / d);
                c[p * half + i] = (float) Math.cos(ang);
                s[p * half + i] = (float) Math.sin(ang);
            }
        return new Tensor[] {Tensor.of(c, t, half), Tensor.of(s, t, half)};
    }

    /** Rotates interleaved pairs of x [N, T, H, D] by the table angles; inverse = the backward. */
    public Tensor rope(Tensor x, Tensor cos, Tensor sin, boolean inverse) {
        f32("rope", x, cos, sin);
        if (x.rank() != 4 || x.size(3) % 2 != 0) throw ShapeException.of("rope", "x must be [N, T, H, D] with D even", x.shape());
        int n = x.size(0), t = x.size(1), h = x.size(2), d = x.size(3);
        if (!Arrays.equals(cos.shape(), new int[] {t, d / 2}) || !Arrays.equals(sin.shape(), cos.shape()))
            throw ShapeException.of("rope", "tables must be [T, D/2]", x.shape(), cos.shape());
        synchronized (be) {
            try (DeviceScope s = be.scope()) {
                Dev dx = s.contiguous(s.upload(x)), dc = s.contiguous(s.upload(cos)), ds = s.contiguous(s.upload(sin)), y = s.alloc(DType.F32, x.shape());
                long pairs = (long) x.numel() / 2;
                ctx.launch("rope_f32", Layout.blocks(pairs, T), 1, 1, T, 0, dx.ptr(), dc.ptr(), ds.ptr(), y.base(), n, t, h, d, inverse ? 1 : 0);
                return s.download(y);
            }
        }
    }

    /** silu(a) * b, element-wise over equal shapes. */
    public Tensor swiglu(Tensor a, Tensor b) {
        checkSwiglu(a, b, a);
        long n = a.numel();
        synchronized (be) {
            try (DeviceScope s = be.scope()) {
                Dev da = s.contiguous(s.upload(a)), db = s.contiguous(s.upload(b)), out = s.alloc(DType.F32, a.shape());
                if (n > 0) ctx.launch("swiglu_fwd_f32", Layout.blocks(n, T), 1, 1, T, 0, da.ptr(), db.ptr(), out.base(), n);
                return s.download(out);
            }
        }
    }

    /** {da, db} of {@link #swiglu} given dout. */
    public Tensor[] swigluBackward(Tensor a, Tensor b, Tensor dout) {
        checkSwiglu(a, b, dout);
        long n = a.numel();
        synchronized (be) {
            try (DeviceScope s = be.scope()) {
                Dev da = s.contiguous(s.upload(a)), db = s.contiguous(s.upload(b)), dd = s.contiguous(s.upload(dout));
                Dev ga = s.alloc(DType.F32, a.shape()), gb = s.alloc(DType.F32, a.shape());
                if (n > 0) ctx.launch("swiglu_bwd_f32", Layout.blocks(n, T), 1, 1, T, 0, da.ptr(), db.ptr(), dd.ptr(), ga.base(), gb.base(), n);
                return new Tensor[] {s.download(ga), s.download(gb)};
            }
        }
    }

    private static void checkSwiglu(Tensor a, Tensor b, Tensor dout) {
        f32("swiglu", a, b, dout);
        if (!a.sameShape(b) || !a.sameShape(dout)) throw ShapeException.of("swiglu", "a, b (and dout) must share a shape", a.shape(), b.shape());
    }

    /** Per-row softmax cross-entropy of logits [N, V] against I32 targets [N] (negative = ignored): {loss [N], lse [N]}. */
    public Tensor[] crossEntropy(Tensor logits, Tensor targets) {
        int[] tg = checkTargets(logits, targets);
        int n = logits.size(0), v = logits.size(1);
        synchronized (be) {
            try (DeviceScope s = be.scope()) {
                Dev dl = s.contiguous(s.upload(logits)), loss = s.alloc(DType.F32, new int[] {n}), lse = s.alloc(DType.F32, new int[] {n});
                ctx.launch("xent_fwd_f32", Math.min(Math.max(n, 1), Layout.MAX_BLOCKS), 1, 1, Layout.threadsFor(v, T), 0, dl.ptr(), s.ints(tg), loss.base(),
                        lse.base(), n, v);
                return new Tensor[] {s.download(loss), s.download(lse)};
            }
        }
    }

    /** d(sum_r scale[r] * loss[r]) / d logits, given the forward's lse. */
    public Tensor crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor scale) {
        int[] tg = checkTargets(logits, targets);
        int n = logits.size(0), v = logits.size(1);
        f32("crossEntropyBackward", lse, scale);
        synchronized (be) {
            try (DeviceScope s = be.scope()) {
                Dev dl = s.contiguous(s.upload(logits)), dlse = s.contiguous(s.upload(lse)), dsc = s.contiguous(s.upload(scale));
                Dev g = s.alloc(DType.F32, logits.shape());
                ctx.launch("xent_bwd_f32", Layout.blocks((long) n * v, T), 1, 1, T, 0, dl.ptr(), s.ints(tg), dlse.ptr(), dsc.ptr(), g.base(), n, v);
                return s.download(g);
            }
        }
    }

    private static int[] checkTargets(Tensor logits, Tensor targets) {
        f32("crossEntropy", logits);
        if (logits.rank() != 2 || targets.rank() != 1 || targets.size(0) != logits.size(0) || targets.dtype() != DType.I32)
            throw ShapeException.of("crossEntropy", "needs logits [N, V] and I32 targets [N]", logits.shape(), targets.shape());
        int[] tg = targets.toIntArray();
        for (int r = 0; r < tg.length; r++)
            if (tg[r] >= logits.size(1)) throw new ShapeException("crossEntropy: target " + tg[r] + " at row " + r + " out of range [0, " + logits.size(1) + ")");
        return tg;
    }

    /**
     * One AdamW step in place on contiguous flat F32 tensors param, m, v (the host arrays are
     * updated); step counts from 1.
     */
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2, double eps, double wd, int step) {
        f32("adamw", param, grad, m, v);
        for (Tensor t : new Tensor[] {param, grad, m, v})
            if (!t.isContiguous() || t.numel() != param.numel())
                throw ShapeException.of("adamw", "param, grad, m, v must be contiguous with " + param.numel() + " elements", t.shape());
        if (step < 1) throw new IllegalArgumentException("adamw: step must be >= 1, got " + step);
        long n = param.numel();
        synchronized (be) {
            try (DeviceScope s = be.scope()) {
                Dev dp = s.upload(param), dg = s.upload(grad), dm = s.upload(m), dv = s.upload(v);
                if (n > 0) ctx.launch("adamw_f32", Layout.blocks(n, T), 1, 1, T, 0, dp.ptr(), dg.ptr(), dm.ptr(), dv.ptr(), n, (float) lr, (float) beta1,
                        (float) beta2, (float) eps, (float) wd, (float) (1 - Math.pow(beta1, step)), (float) (1 - Math.pow(beta2, step)));
                s.writeBack(param, dp);
                s.writeBack(m, dm);
                s.writeBack(v, dv);
            }
        }
    }

    /** Causal GQA attention: q [B, Hq, T, D], k, v [B, Hkv, T, D], D <= 128; returns {out, lse [B, Hq, T]}. */
    public Tensor[] attention(Tensor q, Tensor k, Tensor v, double scale) {
        int[] dims = checkAttention(q, k, v);
        int b = dims[0], hq = dims[1], hkv = dims[2], t = dims[3], d = dims[4];
        synchronized (be) {
            try (DeviceScope s = be.scope()) {
                Dev dq = s.contiguous(s.upload(q)), dk = s.contiguous(s.upload(k)), dv = s.contiguous(s.upload(v));
                Dev out = s.alloc(DType.F32, q.shape()), lse = s.alloc(DType.F32, new int[] {b, hq, t});
                ctx.launch("attn_fwd_f32", CudaGemm.ceilDiv(t, 64), b * hq, 1, 64, 0, dq.ptr(), dk.ptr(), dv.ptr(), out.base(), lse.base(), b, hq, hkv, t, d,
                        (float) scale);
                return new Tensor[] {s.download(out), s.download(lse)};
            }
        }
    }

    /** {dq, dk, dv} of {@link #attention} given its out and lse. */
    public Tensor[] attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, Tensor dout, double scale) {
        int[] dims = checkAttention(q, k, v);
        int b = dims[0], hq = dims[1], hkv = dims[2], t = dims[3], d = dims[4];
        synchronized (be) {
            try (DeviceScope s = be.scope()) {
                Dev dq = s.contiguous(s.upload(q)), dk = s.contiguous(s.upload(k)), dv = s.contiguous(s.upload(v));
                Dev dout2 = s.contiguous(s.upload(dout)), dO = s.contiguous(s.upload(out)), dl = s.contiguous(s.upload(lse));
                Dev delta = s.alloc(DType.F32, new int[] {b, hq, t});
                Dev gq = s.alloc(DType.F32, q.shape()), gk = s.alloc(DType.F32, k.shape()), gv = s.alloc(DType.F32, v.shape());
                long rows = (long) b * hq * t;
                ctx.launch("attn_bwd_delta_f32", Layout.blocks(rows, T), 1, 1, T, 0, dO.ptr(), dout2.ptr(), delta.base(), rows, d);
                ctx.launch("attn_bwd_dq_f32", CudaGemm.ceilDiv(t, 128), b * hq, 1, 128, 0, dq.ptr(), dk.ptr(), dv.ptr(), dout2.ptr(), dl.ptr(), delta.base(),
                        gq.base(), b, hq, hkv, t, d, (float) scale);
                ctx.launch("attn_bwd_dkdv_f32", CudaGemm.ceilDiv(t, 128), b * hkv, 1, 128, 0, dq.ptr(), dk.ptr(), dv.ptr(), dout2.ptr(), dl.ptr(),
                        delta.base(), gk.base(), gv.base(), b, hq, hkv, t, d, (float) scale);
                return new Tensor[] {s.download(gq), s.download(gk), s.download(gv)};
            }
        }
    }

    static int[] checkAttention(Tensor q, Tensor k, Tensor v) {
        f32("attention", q, k, v);
        if (q.rank() != 4 || k.rank() != 4 || !k.sameShape(v))
            throw ShapeException.of("attention", "needs q [B, Hq, T, D] and k, v [B, Hkv, T, D]", q.shape(), k.shape());
        int b = q.size(0), hq = q.size(1), t = q.size(2), d = q.size(3), hkv = k.size(1);
        if (k.size(0) != b || k.size(2) != t || k.size(3) != d || hkv == 0 || hq % hkv != 0)
            throw ShapeException.of("attention", "k/v must match q's B, T, D and Hq must be a multiple of Hkv", q.shape(), k.shape());
        if (d > 128) throw ShapeException.of("attention", "head dim " + d + " exceeds the kernel's 128", q.shape());
        return new int[] {b, hq, hkv, t, d};
    }

    /** Rows of x [S, C] listed by the plan: x_perm[p] = x[order[p] / topK] (token of slot), [S, C]. */
    public Tensor moePermute(Tensor x, MoeDispatch plan, int topK) {
        int[] rows = new int[plan.order().length];
        for (int p = 0; p < rows.length; p++) rows[p] = plan.order()[p] / topK;
        return be.indexSelect(x, 0, Tensor.ofInts(rows, rows.length));
    }

    /** y [S, N] = rows of x_perm [S, K] grouped by expert times w [E, K, N] of their expert (FP32 tiled). */
    public Tensor groupedMatmul(Tensor xPerm, Tensor w, MoeDispatch plan) {
        f32("groupedMatmul", xPerm, w);
        int e = plan.offsets().length - 1;
        if (xPerm.rank() != 2 || w.rank() != 3 || w.size(0) != e || w.size(1) != xPerm.size(1) || xPerm.size(0) != plan.offsets()[e])
            throw ShapeException.of("groupedMatmul", "needs x [S, K], w [E, K, N] and a plan over S rows and E experts", xPerm.shape(), w.shape());
        int k = xPerm.size(1), n = w.size(2), s0 = xPerm.size(0);
        int maxRows = plan.maxCount();
        synchronized (be) {
            try (DeviceScope s = be.scope()) {
                Dev dx = s.contiguous(s.upload(xPerm)), dw = s.contiguous(s.upload(w)), y = s.alloc(DType.F32, new int[] {s0, n});
                if (maxRows > 0 && n > 0)
                    ctx.launch("grouped_gemm_f32", CudaGemm.ceilDiv(n, 64), CudaGemm.ceilDiv(maxRows, 64), e, 256, 0, n, k, dx.ptr(), s.ints(plan.offsets()),
                            dw.ptr(), y.base());
                return s.download(y);
            }
        }
    }

    /** out [N, C] = base + sum over slots s of weight[s] * y[s] at row token[s] (the MoE combine). */
    public Tensor moeCombine(Tensor base, Tensor y, int[] tokenOfRow, Tensor weight) {
        f32("moeCombine", base, y, weight);
        int sN = y.size(0), c = y.size(1);
        if (base.rank() != 2 || base.size(1) != c || tokenOfRow.length != sN || weight.numel() != sN)
            throw ShapeException.of("moeCombine", "needs base [N, C], y [S, C], S tokens and S weights", base.shape(), y.shape());
        for (int t : tokenOfRow) if (t < 0 || t >= base.size(0)) throw new ShapeException("moeCombine: token " + t + " out of range [0, " + base.size(0) + ")");
        synchronized (be) {
            try (DeviceScope s = be.scope()) {
                Dev out = s.copyOf(s.upload(base)), dy = s.contiguous(s.upload(y)), dw = s.contiguous(s.upload(weight));
                if ((long) sN * c > 0)
                    ctx.launch("moe_combine_f32", Layout.blocks((long) sN * c, T), 1, 1, T, 0, out.base(), dy.ptr(), s.ints(tokenOfRow), dw.ptr(), sN, c);
                return s.download(out);
            }
        }
    }
}
