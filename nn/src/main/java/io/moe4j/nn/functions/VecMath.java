package io.moe4j.nn.functions;

import io.moe4j.tensor.cpu.FloatMath;
import io.moe4j.tensor.cpu.SimdConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float row loops shared by the F32 kernels, the MoE experts and the decode path: max, exp-and-sum, scale,
 * axpy, dot. Vector
 * API bodies with scalar tails (only the scalar loops with {@code -Dmoe4j.vector.bits=0}). exp is
 * {@link FloatMath#exp}, whose bits do not depend on JIT state, so a softmax row is the same in every run.
 */
public final class VecMath {
    private static final VectorSpecies<Float> S = SimdConfig.SPECIES;
    private static final boolean SCALAR = SimdConfig.SCALAR;

    private VecMath() {}

    /** max of a[o..o+n) (−∞ when n = 0). */
    public static float max(float[] a, int o, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (!SCALAR && n >= S.length()) {
            FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i <= n - S.length(); i += S.length()) mv = mv.max(FloatVector.fromArray(S, a, o + i));
            m = mv.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, a[o + i]);
        return m;
    }

    /** a[o..o+n) = exp(a − shift) in place; returns their sum. */
    public static float expShiftSum(float[] a, int o, int n, float shift) {
        return FloatMath.expShiftSum(a, o, shift, a, o, n);
    }

    /** a[o..o+n) *= s. */
    public static void scale(float[] a, int o, int n, float s) {
        int i = 0;
        if (!SCALAR) for (; i <= n - S.length(); i += S.length()) FloatVector.fromArray(S, a, o + i).mul(s).intoArray(a, o + i);
        for (; i < n; i++) a[o + i] *= s;
    }

    /** out[o..o+n) += w · a[ia..ia+n). */
    public static void axpy(float w, float[] a, int ia, float[] out, int o, int n) {
        int i = 0;
        if (!SCALAR) {
            for (; i <= n - S.length(); i += S.length())
                FloatVector.fromArray(S, a, ia + i).fma(FloatVector.broadcast(S, w), FloatVector.fromArray(S, out, o + i)).intoArray(out, o + i);
        }
        for (; i < n; i++) out[o + i] = Math.fma(w, a[ia + i], out[o + i]);
    }

    /** out[o..o+n) = w · a[ia..ia+n). */
    public static void scaleInto(float w, float[] a, int ia, float[] out, int o, int n) {
        int i = 0;
        if (!SCALAR) {
            for (; i <= n - S.length(); i += S.length()) FloatVector.fromArray(S, a, ia + i).mul(w).intoArray(out, o + i);
        }
        for (; i < n; i++) out[o + i] = w * a[ia + i];
    }

    /** Σ a[ia+i]·b[ib+i]: lane accumulators, then the lanes summed. */
    public static float dot(float[] a, int ia, float[] b, int ib, int n) {
        int i = 0;
        float sum = 0;
        if (!SCALAR && n >= S.length()) {
            FloatVector acc = FloatVector.zero(S);
            for (; i <= n - S.length(); i += S.length())
                acc = FloatVector.fromArray(S, a, ia + i).fma(FloatVector.fromArray(S, b, ib + i), acc);
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) sum = Math.fma(a[ia + i], b[ib + i], sum);
        return sum;
    }
}
