package io.moe4j.nn.functions;

import io.moe4j.tensor.cpu.Gemm;
import io.moe4j.tensor.cpu.Parallel;
import java.util.Arrays;

/**
 * The F32 path of {@link AttentionFn}: per (batch, head) GEMMs through {@link Gemm#sgemm} on the
 * strided [T, D] slices of q, k, v [B, T, heads, D] (leading dimension heads·D, no copies), with
 * one [T, T] score matrix per thread as scratch.
 *
 * <p>Why a second path: the double loop kernel in AttentionFn is the readable reference (and the
 * F64 path the gradient checks run), but its length-D axpys ran at ~1.5 GFMA/s and took a quarter
 * of a stories15M-shaped training step; as GEMMs the same work runs near the GEMM's speed. The
 * causal mask is honoured by blocks of {@value #RB} query rows: a row block's scores and its P·V
 * only span the keys up to its last row, and dK, dV of a key block only the queries from its first
 * row, which skips about 3/8 of the work at T = 256 (terms left out are zeros, so no sum changes
 * order). Backward recomputes P from the
 * saved log-sum-exp as the reference does; dK and dV of a kv head accumulate over its query heads
 * through GEMM's beta = 1, in head order, so results do not depend on the thread count.
 */
final class AttentionF32 {
    /** Query rows (and key columns) per causal block. */
    static final int RB = 64;

    private AttentionF32() {}

    /** out [B, T, H, D] and lse [B, H, T] from q [B, T, H, D] (offset qo), k, v [B, T, Hkv, D]. */
    static void forward(int nb, int nt, int nh, int nkv, int hd, float[] q, int qo, float[] k, int ko, float[] v, int vo,
                        float[] out, double[] lse) {
        int rep = nh / nkv, ldq = nh * hd, ldk = nkv * hd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        Parallel.forRange(nb * nh, 1, (p0, p1) -> {
            float[] s = new float[nt * nt];
            for (int p = p0; p < p1; p++) {
                int b = p / nh, h = p % nh, g = h / rep;
                int qb = qo + b * nt * ldq + h * hd, kb = ko + b * nt * ldk + g * hd, vb = vo + b * nt * ldk + g * hd;
                for (int i0 = 0; i0 < nt; i0 += RB) { // scores of a row block: keys up to its last row
                    int i1 = Math.min(nt, i0 + RB);
                    Gemm.sgemm(false, true, i1 - i0, i1, hd, scale, q, qb + i0 * ldq, ldq, k, kb, ldk, 0f, s, i0 * nt, nt);
                }
                for (int t = 0; t < nt; t++) {
                    int row = t * nt;
                    float m = VecMath.max(s, row, t + 1), sum = VecMath.expShiftSum(s, row, t + 1, m);
                    lse[(b * nh + h) * nt + t] = m + Math.log(sum);
                    VecMath.scale(s, row, t + 1, 1f / sum);
                    Arrays.fill(s, row + t + 1, row + nt, 0f);
                }
                for (int i0 = 0; i0 < nt; i0 += RB) {
                    int i1 = Math.min(nt, i0 + RB);
                    Gemm.sgemm(false, false, i1 - i0, hd, i1, 1f, s, i0 * nt, nt, v, vb, ldk, 0f, out, b * nt * ldq + h * hd + i0 * ldq, ldq);
                }
            }
        });
    }

    /** gq, gk, gv (fresh, zero) from dO = g [B, T, H, D] (offset go) and the forward's saved tensors. */
    static void backward(int nb, int nt, int nh, int nkv, int hd, float[] q, int qo, float[] k, int ko, float[] v, int vo,
                         float[] out, double[] lse, float[] g, int go, float[] gq, float[] gk, float[] gv) {
        int rep = nh / nkv, ldq = nh * hd, ldk = nkv * hd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        Parallel.forRange(nb * nkv, 1, (p0, p1) -> {
            float[] s = new float[nt * nt], dp = new float[nt * nt];
            for (int p = p0; p < p1; p++) {
                int b = p / nkv, grp = p % nkv, kb = b * nt * ldk + grp * hd;
                for (int h = grp * rep; h < (grp + 1) * rep; h++) {
                    int qb = b * nt * ldq + h * hd;
                    for (int i0 = 0; i0 < nt; i0 += RB) {
                        int i1 = Math.min(nt, i0 + RB);
                        Gemm.sgemm(false, true, i1 - i0, i1, hd, scale, q, qo + qb + i0 * ldq, ldq, k, ko + kb, ldk, 0f, s, i0 * nt, nt);
                        Gemm.sgemm(false, true, i1 - i0, i1, hd, 1f, g, go + qb + i0 * ldq, ldq, v, vo + kb, ldk, 0f, dp, i0 * nt, nt);
                    }
                    for (int t = 0; t < nt; t++) {
                        int row = t * nt, n = t + 1;
                        VecMath.expShiftSum(s, row, n, (float) lse[(b * nh + h) * nt + t]); // P
                        float delta = 0;
                        for (int d = 0; d < hd; d++) delta += g[go + qb + t * ldq + d] * out[qb + t * ldq + d];
                        for (int j = 0; j < n; j++) dp[row + j] = s[row + j] * (dp[row + j] - delta); // dS
                        Arrays.fill(s, row + n, row + nt, 0f);
                        Arrays.fill(dp, row + n, row + nt, 0f);
                    }
                    for (int i0 = 0; i0 < nt; i0 += RB) {
                        int i1 = Math.min(nt, i0 + RB), rows = nt - i0; // dQ of a row block; dK, dV of a key block
                        Gemm.sgemm(false, false, i1 - i0, hd, i1, scale, dp, i0 * nt, nt, k, ko + kb, ldk, 0f, gq, qb + i0 * ldq, ldq);
                        Gemm.sgemm(true, false, i1 - i0, hd, rows, scale, dp, i0 * nt + i0, nt, q, qo + qb + i0 * ldq, ldq, 1f, gk, kb + i0 * ldk, ldk);
                        Gemm.sgemm(true, false, i1 - i0, hd, rows, 1f, s, i0 * nt + i0, nt, g, go + qb + i0 * ldq, ldq, 1f, gv, kb + i0 * ldk, ldk);
                    }
                }
            }
        });
    }
}
