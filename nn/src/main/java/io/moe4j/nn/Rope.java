package io.moe4j.nn;

import io.moe4j.autograd.Var;
import io.moe4j.nn.functions.RopeFn;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Tensor;

/**
 * Rotary position tables and the two rotary layouts.
 *
 * <p>Pair i of a head (i &lt; D/2) at position p turns by p·θᵢ with θᵢ = theta^(−2i/D). Inside
 * moe4j q/k rows are in the Meta/llama2.c layout, where pair i is the adjacent elements (2i, 2i+1)
 * ("interleaved", {@link #interleaved}). Hugging Face permutes q/k rows so that pair i is
 * (i, i + D/2) and rotates with "rotate_half" ({@link #rotateHalf}); the HF reader undoes that
 * permutation on load, so the model only ever runs the interleaved form. Both are given here so a
 * test can show they agree on permuted weights.
 *
 * <p>The angles are computed in double once; {@link #cosF()}/{@link #sinF()} are the float copies
 * the decode path reads.
 */
public final class Rope {
    private final int headDim, maxPos;
    private final double theta;
    private final double[] cos, sin;
    private final float[] cosF, sinF;

    public Rope(int headDim, int maxPos, double theta) {
        if (headDim <= 0 || headDim % 2 != 0) throw new IllegalArgumentException("rope: head dim must be even and > 0, got " + headDim);
        if (maxPos <= 0) throw new IllegalArgumentException("rope: max positions must be > 0, got " + maxPos);
        if (!(theta > 0)) throw new IllegalArgumentException("rope: theta must be > 0, got " + theta);
        this.headDim = headDim;
        this.maxPos = maxPos;
        this.theta = theta;
        int half = headDim / 2;
        cos = new double[maxPos * half];
        sin = new double[maxPos * half];
        cosF = new float[cos.length];
        sinF = new float[sin.length];
        for (int i = 0; i < half; i++) {
            double freq = Math.pow(theta, -2.0 * i / headDim);
            for (int p = 0; p < maxPos; p++) {
                double a = p * freq;
                cos[p * half + i] = Math.cos(a);
                sin[p * half + i] = Math.sin(a);
                cosF[p * half + i] = (float) cos[p * half + i];
                sinF[p * half + i] = (float) sin[p * half + i];
            }
        }
    }

    public static Rope of(LlamaConfig c) {
        return new Rope(c.headDim(), c.maxSeqLen(), c.ropeTheta());
    }

    public int headDim() { return headDim; }
    public int maxPos() { return maxPos; }
    public double theta() { return theta; }

    /** cos(p·θᵢ) as floats, row-major [maxPos, D/2]. Shared; do not modify. */
    public float[] cosF() { return cosF; }

    /** sin(p·θᵢ) as floats, row-major [maxPos, D/2]. Shared; do not modify. */
    public float[] sinF() { return sinF; }

    /** The fused, differentiable interleaved rotation of x [B, T, H, D] at positions pos0.. . */
    public Var apply(Var x, int pos0) {
        return RopeFn.apply(x, cos, sin, pos0);
    }

    // ---------------------------------------------------------------- plain tensor forms (no autograd)

    /** Interleaved rotary (Meta / llama2.c) on x [B, T, H, D]: pair i = (2i, 2i+1). */
    public Tensor interleaved(Tensor x, int pos0) {
        return rotate(x, pos0, false);
    }

    /** Rotate-half rotary (Hugging Face) on x [B, T, H, D]: pair i = (i, i + D/2). */
    public Tensor rotateHalf(Tensor x, int pos0) {
        return rotate(x, pos0, true);
    }

    private Tensor rotate(Tensor x, int pos0, boolean half) {
        if (x.rank() != 4 || x.size(3) != headDim)
            throw ShapeException.of("rope", "expects [B, T, H, " + headDim + "]", x.shape());
        if (pos0 < 0 || pos0 + x.size(1) > maxPos)
            throw ShapeException.of("rope", "positions " + pos0 + ".." + (pos0 + x.size(1) - 1) + " exceed max " + maxPos, x.shape());
        DType dt = x.dtype();
        double[] a = x.toDoubleArray();
        int nh = headDim / 2, rows = a.length / headDim, t = x.size(1), heads = x.size(2);
        for (int r = 0; r < rows; r++) {
            int p = pos0 + (r / heads) % t, o = r * headDim;
            for (int i = 0; i < nh; i++) {
                int i0 = half ? o + i : o + 2 * i, i1 = half ? o + i + nh : o + 2 * i + 1;
                double c = cos[p * nh + i], s = sin[p * nh + i], x0 = a[i0], x1 = a[i1];
                a[i0] = x0 * c - x1 * s;
                a[i1] = x0 * s + x1 * c;
            }
        }
        Tensor out = Tensor.zeros(dt, x.shape());
        for (int k = 0; k < a.length; k++) out.storage().set(k, a[k]);
        return out;
    }
}
