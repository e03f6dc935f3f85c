package io.moe4j.nn.functions;

import io.moe4j.autograd.Var;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import java.util.List;

/**
 * The fused ops written with primitive Var ops only (the reference each fused Function is compared
 * with). Slow and memory-hungry by design; shapes as in the fused versions.
 */
final class Composed {
    private Composed() {}

    /** x [..., C] · rsqrt(mean(x²) + eps) · w [C]. */
    static Var rmsNorm(Var x, Var w, double eps) {
        Var ms = x.square().mean(-1, true);
        return x.mul(ms.affine(1, eps).unary(io.moe4j.tensor.UnaryOp.RSQRT)).mul(w);
    }

    /** Interleaved rotary on x [B, T, H, D] via pairs: reshape [B, T, H, D/2, 2]. */
    static Var rope(Var x, double[] cos, double[] sin, int pos0) {
        int[] s = x.shape();
        int b = s[0], t = s[1], h = s[2], d = s[3], half = d / 2;
        Tensor c = Tensor.zeros(x.dtype(), t, 1, half, 1), sn = Tensor.zeros(x.dtype(), t, 1, half, 1);
        for (int p = 0; p < t; p++)
            for (int i = 0; i < half; i++) {
                c.set(cos[(pos0 + p) * half + i], p, 0, i, 0);
                sn.set(sin[(pos0 + p) * half + i], p, 0, i, 0);
            }
        Var cv = Var.constant(c), sv = Var.constant(sn);
        Var pairs = x.reshape(b, t, h, half, 2);
        Var x0 = pairs.narrow(4, 0, 1), x1 = pairs.narrow(4, 1, 1);
        Var y0 = x0.mul(cv).sub(x1.mul(sv)), y1 = x0.mul(sv).add(x1.mul(cv));
        return Var.concat(List.of(y0, y1), 4).reshape(b, t, h, d);
    }

    static Var swiglu(Var a, Var b) {
        return a.silu().mul(b);
    }

    /** Causal GQA attention with matmuls, a −∞ mask and a softmax; q [B,T,H,D], k/v [B,T,Hkv,D]. */
    static Var attention(Var q, Var k, Var v) {
        int[] s = q.shape();
        int b = s[0], t = s[1], h = s[2], d = s[3], kvh = k.shape()[2], rep = h / kvh;
        Var qh = q.permute(0, 2, 1, 3);
        Var kh = repeatKv(k.permute(0, 2, 1, 3), b, kvh, rep, t, d);
        Var vh = repeatKv(v.permute(0, 2, 1, 3), b, kvh, rep, t, d);
        Var scores = qh.matmul(kh.transpose(-1, -2)).scale(1 / Math.sqrt(d));
        Tensor mask = Tensor.zeros(DType.I32, t, t);
        for (int i = 0; i < t; i++) for (int j = 0; j <= i; j++) mask.set(1, i, j);
        Var masked = scores.where(mask, Var.constant(Tensor.full(q.dtype(), Double.NEGATIVE_INFINITY, 1)));
        return masked.softmax(-1).matmul(vh).permute(0, 2, 1, 3);
    }

    /** [B, Hkv, T, D] -> [B, H, T, D], each kv head repeated rep times (HF repeat_kv). */
    private static Var repeatKv(Var x, int b, int kvh, int rep, int t, int d) {
        return x.unsqueeze(2).expand(b, kvh, rep, t, d).reshape(b, kvh * rep, t, d);
    }

    /** Mean over non-ignored rows of −log softmax(x)[y]; logits [N, V]. */
    static Var crossEntropy(Var logits, int[] targets, int ignore) {
        int n = targets.length;
        Tensor idx = Tensor.zeros(DType.I32, n, 1), keep = Tensor.zeros(logits.dtype(), n, 1);
        int valid = 0;
        for (int r = 0; r < n; r++) {
            boolean ok = targets[r] != ignore;
            idx.set(ok ? targets[r] : 0, r, 0);
            keep.set(ok ? 1 : 0, r, 0);
            if (ok) valid++;
        }
        Var picked = logits.logSoftmax(-1).gather(1, idx).mul(Var.constant(keep));
        return picked.sumAll().scale(-1.0 / valid);
    }

    /** x [..., in] · w [out, in]ᵀ through the generic MatMul and Permute. */
    static Var linear(Var x, Var w) {
        return x.matmul(w.transpose(0, 1));
    }
}
