package io.moe4j.nn;

import io.moe4j.tensor.cpu.FloatMath;
import io.moe4j.tensor.cpu.SimdConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float vector loops of the decode path besides the matvec and {@link io.moe4j.nn.functions.VecMath}:
 * attention scores and SwiGLU.
 * Vector API bodies with scalar tails; with {@code -Dmoe4j.vector.bits=0} only the scalar loops run.
 * Kept apart from the training kernels because decode is single-token, float-only and must not
 * allocate.
 */
final class DecodeKernels {
    private static final VectorSpecies<Float> S = SimdConfig.SPECIES;
    private static final boolean SCALAR = SimdConfig.SCALAR;

    private DecodeKernels() {}

    /**
     * att[ao + t] = scale · Σ_d q[qo + d] · kT[ko + d·ld + t] for t &lt; n: the scores of one query
     * against n transposed keys, a vector of positions kept in a register across the D terms.
     * Four vectors of positions are summed side by side: with one, each FMA waits for the last
     * (D FMA latencies per vector, the whole cost when D is small), with four they overlap. Each
     * position's sum is the same chain of FMAs either way, so the bits do not change.
     */
    static void scores(float[] q, int qo, int d, float scale, float[] kT, int ko, int ld, float[] att, int ao, int n) {
        int t = 0, l = S.length();
        if (!SCALAR) {
            for (; t <= n - 4 * l; t += 4 * l) scores4(q, qo, d, scale, kT, ko + t, ld, att, ao + t);
            for (; t <= n - l; t += l) {
                FloatVector acc = FloatVector.zero(S);
                for (int j = 0; j < d; j++) acc = FloatVector.fromArray(S, kT, ko + j * ld + t).fma(FloatVector.broadcast(S, q[qo + j]), acc);
                acc.mul(scale).intoArray(att, ao + t);
            }
        }
        for (; t < n; t++) {
            float s = 0;
            for (int j = 0; j < d; j++) s += q[qo + j] * kT[ko + j * ld + t];
            att[ao + t] = s * scale;
        }
    }

    /** Four vectors of positions starting at kT[k], att[a] (see {@link #scores}). */
    private static void scores4(float[] q, int qo, int d, float scale, float[] kT, int k, int ld, float[] att, int a) {
        int l = S.length();
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int j = 0; j < d; j++) {
            FloatVector qj = FloatVector.broadcast(S, q[qo + j]);
            int o = k + j * ld;
            a0 = FloatVector.fromArray(S, kT, o).fma(qj, a0);
            a1 = FloatVector.fromArray(S, kT, o + l).fma(qj, a1);
            a2 = FloatVector.fromArray(S, kT, o + 2 * l).fma(qj, a2);
            a3 = FloatVector.fromArray(S, kT, o + 3 * l).fma(qj, a3);
        }
        a0.mul(scale).intoArray(att, a);
        a1.mul(scale).intoArray(att, a + l);
        a2.mul(scale).intoArray(att, a + 2 * l);
        a3.mul(scale).intoArray(att, a + 3 * l);
    }

    /** h[0..f) = silu(h[0..f)) ⊙ h[f..2f). */
    static void swiglu(float[] h, int f) {
        FloatMath.swiglu(h, 0, h, f, h, 0, f);
    }
}
