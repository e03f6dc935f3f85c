package io.moe4j.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.Ops;
import io.moe4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Hugging Face stores q/k rows permuted for rotate-half RoPE (contract:
 * w_hf = w_meta.view(H, D/2, 2, C).transpose(1, 2).reshape(H·D, C)). Rotate-half on the HF
 * projections must equal interleaved RoPE on the Meta projections up to that same permutation of
 * each head's dimensions, so every attention score q·k is identical.
 */
class RopeLayoutTest {
    static final int C = 12, H = 2, KV = 1, D = 6, T = 5;

    static Tensor hfPermute(Tensor wMeta, int heads) {
        return wMeta.reshape(heads, D / 2, 2, C).transpose(1, 2).reshape(heads * D, C);
    }

    /** x [1, T, C] · wᵀ as [1, T, heads, D]. */
    static Tensor project(Tensor x, Tensor w, int heads) {
        return Ops.matmul(x, w.transpose(0, 1)).reshape(1, T, heads, D);
    }

    @Test
    void rotateHalfOnHfWeightsEqualsInterleavedOnMetaWeights() {
        Rope rope = new Rope(D, 16, 10000.0);
        Tensor x = Tensor.randn(1, DType.F64, 1.0, 1, T, C);
        Tensor wq = Tensor.randn(2, DType.F64, 1.0, H * D, C), wk = Tensor.randn(3, DType.F64, 1.0, KV * D, C);
        int pos0 = 4;
        Tensor qMeta = rope.interleaved(project(x, wq, H), pos0), kMeta = rope.interleaved(project(x, wk, KV), pos0);
        Tensor qHf = rope.rotateHalf(project(x, hfPermute(wq, H), H), pos0), kHf = rope.rotateHalf(project(x, hfPermute(wk, KV), KV), pos0);
        for (int t = 0; t < T; t++)
            for (int h = 0; h < H; h++)
                for (int i = 0; i < D / 2; i++)
                    for (int a = 0; a < 2; a++)
                        assertEquals(qMeta.get(0, t, h, 2 * i + a), qHf.get(0, t, h, a * D / 2 + i), 1e-12);
        for (int t = 0; t < T; t++)
            for (int s = 0; s < T; s++)
                for (int h = 0; h < H; h++) {
                    double meta = 0, hf = 0;
                    for (int d = 0; d < D; d++) {
                        meta += qMeta.get(0, t, h, d) * kMeta.get(0, s, h / (H / KV), d);
                        hf += qHf.get(0, t, h, d) * kHf.get(0, s, h / (H / KV), d);
                    }
                    assertEquals(meta, hf, 1e-10, "score t=" + t + " s=" + s + " h=" + h);
                }
    }

    @Test
    void rotateHalfIsNotInterleavedOnTheSameWeights() {
        Rope rope = new Rope(D, 16, 10000.0);
        Tensor q = Tensor.randn(4, DType.F64, 1.0, 1, T, H, D);
        double diff = 0;
        double[] a = rope.interleaved(q, 1).toDoubleArray(), b = rope.rotateHalf(q, 1).toDoubleArray();
        for (int i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
        assertTrue(diff > 1e-3, "the layouts must differ, or the test above proves nothing");
    }

    @Test
    void positionZeroIsTheIdentityAndTablesFollowTheta() {
        Rope rope = new Rope(4, 8, 500.0);
        Tensor q = Tensor.randn(5, DType.F64, 1.0, 1, 1, 1, 4);
        assertArrayEquals(q.toDoubleArray(), rope.interleaved(q, 0).toDoubleArray(), 0);
        // pair 1 at position 3 turns by 3 · 500^(-2/4)
        double ang = 3 * Math.pow(500.0, -0.5);
        assertEquals((float) Math.cos(ang), rope.cosF()[3 * 2 + 1]);
        assertEquals((float) Math.sin(ang), rope.sinF()[3 * 2 + 1]);
    }
}
