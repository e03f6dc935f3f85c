package io.moe4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, log, tanh, sigmoid, SiLU and SwiGLU over F32 array ranges, built only from IEEE add, sub, mul, div, fused
 * multiply-add, min, max and bit moves. Each has a Vector API body and a scalar tail that give the same bits element for element.
 *
 * <p>Why not {@code FloatVector.lanewise(EXP)}: the JDK computes it with Intel's SVML once C2 has compiled the
 * loop, but with {@code Math.exp} per lane before that, and the two differ in the last bit. A kernel's result then
 * depends on how warm the JIT is, so two identical forward passes, or a resumed run and an uninterrupted one, can
 * disagree. Every operation here is exactly rounded in both modes, so the result cannot change.
 *
 * <p>Why bulk methods rather than {@code FloatVector exp(FloatVector)}: such a helper is too large for C2 to inline
 * into its callers, and a vector that crosses a real call is boxed, which made the SwiGLU kernels several times
 * slower. So the exp body is written once, inside the loop of {@link #exp}; the other functions run it on small
 * blocks held in a per-thread scratch buffer. Results below about e^-86.99 (1.8e-38, near the
 * smallest normal float) flush to zero.
 *
 * <p>The approximations follow the classic Cephes single-precision ones (range reduction by ln 2 with a two-part
 * constant, then a minimax polynomial): about 1 ulp from the correctly rounded value over the normal range,
 * checked against {@code Math.exp/log/tanh} in {@code FloatMathTest}.
 * The fused multiply-adds are one instruction on x86-64 CPUs since 2013 and on AArch64; on a CPU without FMA the
 * JDK computes them exactly in software, with the same bits, many times slower.
 */
public final class FloatMath {
    private static final VectorSpecies<Float> S = SimdConfig.SPECIES;
    private static final boolean SCALAR = SimdConfig.SCALAR;
    private static final int BLOCK = 256;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[2 * BLOCK]);
    /** {@code -Dmoe4j.exp.vector=false}: exp runs its scalar form only (the same bits; a fallback if the JIT misbehaves). */
    static final boolean VECTOR_EXP = !"false".equals(System.getProperty("moe4j.exp.vector"));
    private static final ThreadLocal<float[]> EXP_SCRATCH = ThreadLocal.withInitial(() -> new float[2 * BLOCK]);

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f; // 9 significant bits: n * LN2_HI is exact for |n| <= 2^15
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds a float below 2^22 to an integer
    private static final float EXP_HI = 89.5f; // clamp: n = 129, whose scale is +inf (e^x overflows from 88.7228)
    private static final float EXP_LO = -87.5f; // clamp: n = -126, whose scale is +0 (flush from about -86.99)
    private static final float E0 = 1.9875691500e-4f, E1 = 1.3981999507e-3f, E2 = 8.3334519073e-3f,
        E3 = 4.1665795894e-2f, E4 = 1.6666665459e-1f, E5 = 5.0000001201e-1f;
    private static final float L0 = 7.0376836292e-2f, L1 = -1.1514610310e-1f, L2 = 1.1676998740e-1f,
        L3 = -1.2420140846e-1f, L4 = 1.4249322787e-1f, L5 = -1.6668057665e-1f, L6 = 2.0000714765e-1f,
        L7 = -2.4999993993e-1f, L8 = 3.3333331174e-1f;
    private static final float T0 = -5.70498872745e-3f, T1 = 2.06390887954e-2f, T2 = -5.37397155531e-2f,
        T3 = 1.33314422036e-1f, T4 = -3.33332819422e-1f;
    private static final float SQRT_HALF = 0.707106781186547524f;
    private static final float TANH_SMALL = 0.625f;

    private FloatMath() {}

    // ---------------------------------------------------------------- scalar forms (the tails' arithmetic)

    /** e^x; +inf above ~88.72, 0 below ~-86.99 (where e^x nears the smallest normal float), NaN for NaN. */
    public static float exp(float x0) {
        float x = Math.min(Math.max(x0, EXP_LO), EXP_HI);
        float t = Math.fma(x, LOG2E, ROUND), n = t - ROUND;
        float r = Math.fma(n, -LN2_LO, Math.fma(n, -LN2_HI, x));
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(E0, r, E1), r, E2), r, E3), r, E4), r, E5);
        return scale((Math.fma(p, r * r, r) + 1f) * 2f, t);
    }

    /**
     * 2p · 2^(n−1), from t = n + 1.5·2^23 (n sits in t's low mantissa bits): the exponent field n + 126 is 0 for
     * n = −126, which makes the scale +0, and 255 for n = 129, which makes it +inf; the clamp of x keeps n in
     * [−126, 129], so the ends of the range come out of the same multiply as every other value.
     */
    private static float scale(float p2, float t) {
        return p2 * Float.intBitsToFloat((Float.floatToRawIntBits(t) + 126) << 23);
    }

    /** Natural log; -inf at 0, NaN below 0 and for NaN, +inf at +inf; subnormals handled. */
    public static float log(float x) {
        boolean tiny = x < Float.MIN_NORMAL;
        int bits = Float.floatToRawIntBits(tiny ? x * 8388608f : x); // 2^23 lifts subnormals
        int e = (bits >>> 23) - 126 - (tiny ? 23 : 0);
        float m = Float.intBitsToFloat((bits & 0x807FFFFF) | 0x3F000000); // [0.5, 1)
        boolean low = m < SQRT_HALF;
        float ef = (float) e - (low ? 1f : 0f);
        float f = m + (low ? m : 0f) - 1f; // 2m - 1 below sqrt(1/2), else m - 1
        float z = f * f;
        float y = (((((((L0 * f + L1) * f + L2) * f + L3) * f + L4) * f + L5) * f + L6) * f + L7) * f + L8;
        y = y * f * z + ef * LN2_LO - z * 0.5f;
        float out = f + y + ef * LN2_HI;
        if (x == 0f) out = Float.NEGATIVE_INFINITY;
        if (x < 0f || x != x) out = Float.NaN;
        return x == Float.POSITIVE_INFINITY ? x : out;
    }

    /** tanh: an odd polynomial below |x| = 0.625, {@code 1 - 2 / (e^{2|x|} + 1)} above. */
    public static float tanh(float x) {
        float a = Math.abs(x);
        if (a < TANH_SMALL) {
            float z = x * x;
            float p = (((T0 * z + T1) * z + T2) * z + T3) * z + T4;
            return a == 0f ? x : p * z * x + x;
        }
        float big = 1f - 2f / (exp(a + a) + 1f);
        return x < 0f ? -big : big;
    }

    /** 1 / (e^{-x} + 1). */
    public static float sigmoid(float x) {
        return 1f / (exp(-x) + 1f);
    }

    // ---------------------------------------------------------------- bulk forms

    /**
     * out[o..o+n) = e^{a[ia..ia+n)}; out may be a (at the same offset).
     *
     * <p>JIT notes, from training profiles on JDK 17: the Vector API runs fast only when C2 intrinsifies every
     * call, and it did not, intermittently: first for the int lanes and float/int reinterpretation that build
     * 2^n, then for float ops with scalar operands; the final store then ran as boxed Java code, about 20x slower.
     * So the vector loop here uses only vector-vector float arithmetic on constants broadcast once (the pattern of
     * the GEMM kernel, which has never failed): it writes 2p(r) and t = x·log2e + 1.5·2^23 per block of a
     * per-thread scratch, and a scalar loop multiplies by 2^(n−1) built from t's bits. The clamp is a compare and
     * a blend per end, not a lane min/max: Java's NaN-aware min/max cost ~4 cycles each on AVX2, and the earlier
     * form (a clamp plus range factors, five of them) ran at 2.5-3.2 ns per element against 1.1 now (one core,
     * 32,000-element rows). The block kernel is deliberately larger than C2's hot-inlining size
     * (325 bytecodes), so it is compiled as a unit of its own, neither deep inside a caller (where the inlining
     * depth limit was hit) nor inside an on-stack-replacement compile of a long loop (where the vector types were
     * lost); this method only loops over blocks.
     */
    public static void exp(float[] a, int ia, float[] out, int o, int n) {
        expShifted(a, ia, 0f, out, o, n);
    }

    /** out[o..o+n) = e^{a − shift} (the subtraction rounded first, as its own op); out may be a (same offset). */
    private static void expShifted(float[] a, int ia, float shift, float[] out, int o, int n) {
        float[] w = EXP_SCRATCH.get();
        for (int b = 0; b < n; b += BLOCK) expBlock(a, ia + b, shift, out, o + b, Math.min(BLOCK, n - b), w);
    }

    /** One block (len ≤ BLOCK) of {@link #expShifted}, tail included. */
    private static void expBlock(float[] a, int ia, float shift, float[] out, int o, int len, float[] w) {
        int l = S.length(), body = SCALAR || !VECTOR_EXP ? 0 : len - len % l;
        if (body > 0) { // constants as vectors: only vector-vector ops below, as in the GEMM kernel
            FloatVector sh = FloatVector.broadcast(S, shift), two = FloatVector.broadcast(S, 2f), one = FloatVector.broadcast(S, 1f);
            FloatVector lo = FloatVector.broadcast(S, EXP_LO), hi = FloatVector.broadcast(S, EXP_HI);
            FloatVector log2e = FloatVector.broadcast(S, LOG2E), round = FloatVector.broadcast(S, ROUND);
            FloatVector ln2hi = FloatVector.broadcast(S, -LN2_HI), ln2lo = FloatVector.broadcast(S, -LN2_LO);
            FloatVector e0 = FloatVector.broadcast(S, E0), e1 = FloatVector.broadcast(S, E1), e2 = FloatVector.broadcast(S, E2);
            FloatVector e3 = FloatVector.broadcast(S, E3), e4 = FloatVector.broadcast(S, E4), e5 = FloatVector.broadcast(S, E5);
            for (int i = 0; i < body; i += l) {
                FloatVector x = FloatVector.fromArray(S, a, ia + i).sub(sh); // clamp by compare and blend (NaN stays NaN)
                x = x.blend(lo, x.compare(VectorOperators.LT, lo));
                x = x.blend(hi, x.compare(VectorOperators.GT, hi));
                FloatVector t = x.fma(log2e, round), nf = t.sub(round);
                FloatVector r = nf.fma(ln2lo, nf.fma(ln2hi, x));
                FloatVector p = e0.fma(r, e1).fma(r, e2).fma(r, e3).fma(r, e4).fma(r, e5);
                p.fma(r.mul(r), r).add(one).mul(two).intoArray(w, i);
                t.intoArray(w, BLOCK + i);
            }
        }
        for (int i = 0; i < body; i++) out[o + i] = scale(w[i], w[BLOCK + i]);
        for (int i = body; i < len; i++) out[o + i] = exp(a[ia + i] - shift);
    }

    /**
     * out[o..o+n) = ln a[ia..ia+n); out may be a. Scalar: extracting the exponent needs float/int bit moves, which
     * the JDK 17 Vector API does not reliably intrinsify, and no hot path takes logs of whole arrays.
     */
    public static void log(float[] a, int ia, float[] out, int o, int n) {
        for (int i = 0; i < n; i++) out[o + i] = log(a[ia + i]);
    }

    /** out = tanh(a) over n elements; out may be a. */
    public static void tanh(float[] a, int ia, float[] out, int o, int n) {
        float[] e = SCRATCH.get();
        for (int b = 0; b < n; b += BLOCK) {
            int len = Math.min(BLOCK, n - b), i = 0;
            for (int j = 0; j < len; j++) e[j] = Math.abs(a[ia + b + j]) * 2f;
            exp(e, 0, e, 0, len);
            if (!SCALAR) {
                for (; i <= len - S.length(); i += S.length()) {
                    FloatVector x = FloatVector.fromArray(S, a, ia + b + i), z = x.mul(x);
                    FloatVector big = x.broadcast(1f).sub(x.broadcast(2f).div(FloatVector.fromArray(S, e, i).add(1f)));
                    big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
                    FloatVector small = z.mul(T0).add(T1).mul(z).add(T2).mul(z).add(T3).mul(z).add(T4).mul(z).mul(x).add(x)
                        .blend(x, x.compare(VectorOperators.EQ, 0f));
                    big.blend(small, x.abs().compare(VectorOperators.LT, TANH_SMALL)).intoArray(out, o + b + i);
                }
            }
            for (; i < len; i++) out[o + b + i] = tanh(a[ia + b + i]);
        }
    }

    /** out = σ(a) = 1 / (e^{-a} + 1); out may be a. */
    public static void sigmoid(float[] a, int ia, float[] out, int o, int n) {
        gated(a, ia, null, 0, out, o, n, false);
    }

    /** out = silu(a) = a · σ(a); out may be a. */
    public static void silu(float[] a, int ia, float[] out, int o, int n) {
        gated(a, ia, null, 0, out, o, n, true);
    }

    /** out = silu(a) ⊙ b (SwiGLU); out may be a or b. */
    public static void swiglu(float[] a, int ia, float[] b, int ib, float[] out, int o, int n) {
        gated(a, ia, b, ib, out, o, n, true);
    }

    /** out = σ(a), or a·σ(a) when {@code silu}, times b when b is given. */
    private static void gated(float[] a, int ia, float[] b, int ib, float[] out, int o, int n, boolean silu) {
        float[] e = SCRATCH.get();
        for (int blk = 0; blk < n; blk += BLOCK) {
            int len = Math.min(BLOCK, n - blk), i = 0;
            negate(a, ia + blk, e, len);
            exp(e, 0, e, 0, len);
            if (!SCALAR) {
                for (; i <= len - S.length(); i += S.length()) {
                    FloatVector x = FloatVector.fromArray(S, a, ia + blk + i);
                    FloatVector v = x.broadcast(1f).div(FloatVector.fromArray(S, e, i).add(1f));
                    if (silu) v = x.mul(v);
                    if (b != null) v = v.mul(FloatVector.fromArray(S, b, ib + blk + i));
                    v.intoArray(out, o + blk + i);
                }
            }
            for (; i < len; i++) {
                float x = a[ia + blk + i], v = 1f / (e[i] + 1f);
                if (silu) v = x * v;
                if (b != null) v = v * b[ib + blk + i];
                out[o + blk + i] = v;
            }
        }
    }

    /**
     * SwiGLU backward for h = silu(a) ⊙ b given gh: ga = gh ⊙ b ⊙ σ(a)·(1 + a·(1 − σ(a))), gb = gh ⊙ a·σ(a).
     * ga and gb may alias a and b.
     */
    public static void swigluBackward(float[] gh, int ig, float[] a, int ia, float[] b, int ib,
                                      float[] ga, int oa, float[] gb, int ob, int n) {
        float[] e = SCRATCH.get();
        for (int blk = 0; blk < n; blk += BLOCK) {
            int len = Math.min(BLOCK, n - blk), i = 0;
            negate(a, ia + blk, e, len);
            exp(e, 0, e, 0, len);
            if (!SCALAR) {
                for (; i <= len - S.length(); i += S.length()) {
                    int k = blk + i;
                    FloatVector x = FloatVector.fromArray(S, a, ia + k), g = FloatVector.fromArray(S, gh, ig + k);
                    FloatVector sg = x.broadcast(1f).div(FloatVector.fromArray(S, e, i).add(1f));
                    FloatVector y = FloatVector.fromArray(S, b, ib + k);
                    g.mul(y).mul(sg.mul(x.mul(sg.neg().add(1f)).add(1f))).intoArray(ga, oa + k);
                    g.mul(x.mul(sg)).intoArray(gb, ob + k);
                }
            }
            for (; i < len; i++) {
                int k = blk + i;
                float x = a[ia + k], g = gh[ig + k], y = b[ib + k], sg = 1f / (e[i] + 1f);
                ga[oa + k] = g * y * (sg * (x * (-sg + 1f) + 1f));
                gb[ob + k] = g * (x * sg);
            }
        }
    }

    /**
     * out[o..o+n) = e^{a − shift}; returns their sum, added block by block (256 elements, lane accumulators then
     * the tail), so it is the same with or without an output. With {@code out == null} only the sum is computed.
     */
    public static float expShiftSum(float[] a, int ia, float shift, float[] out, int o, int n) {
        if (out == null) { // only the sum: blocks through the scratch
            float[] e = SCRATCH.get();
            float sum = 0;
            for (int blk = 0; blk < n; blk += BLOCK) {
                int len = Math.min(BLOCK, n - blk);
                expShifted(a, ia + blk, shift, e, 0, len);
                sum += VecKernels.sum(e, 0, len);
            }
            return sum;
        }
        expShifted(a, ia, shift, out, o, n);
        float sum = 0;
        for (int blk = 0; blk < n; blk += BLOCK) sum += VecKernels.sum(out, o + blk, Math.min(BLOCK, n - blk)); // as above
        return sum;
    }

    private static void negate(float[] a, int ia, float[] e, int len) {
        int i = 0;
        if (!SCALAR) {
            for (; i <= len - S.length(); i += S.length()) FloatVector.fromArray(S, a, ia + i).neg().intoArray(e, i);
        }
        for (; i < len; i++) e[i] = -a[ia + i];
    }
}
