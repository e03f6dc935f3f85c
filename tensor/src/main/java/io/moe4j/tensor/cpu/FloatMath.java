package io.moe4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * exp, log and tanh for F32 built only from IEEE add, sub, mul, div, min, max and bit moves, in a vector form and
 * a scalar form that give the same bits lane for lane.
 *
 * <p>Why not {@code FloatVector.lanewise(EXP)}: the JDK computes it with Intel's SVML once C2 has compiled the
 * loop, but with {@code Math.exp} per lane before that, and the two differ in the last bit. A kernel's result then
 * depends on how warm the JIT is, so two identical forward passes, or a resumed run and an uninterrupted one, can
 * disagree. Every operation here is exactly rounded in both modes, so the result cannot change.
 *
 * <p>The approximations follow the classic Cephes single-precision ones (range reduction by ln 2 with a two-part
 * constant, then a minimax polynomial): about 1 ulp from the correctly rounded value over the normal range,
 * checked against {@code Math.exp/log/tanh} in {@code FloatMathTest}.
 */
public final class FloatMath {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f; // 9 significant bits: n * LN2_HI is exact for |n| <= 2^15
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds a float below 2^22 to an integer
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    private static final float EXP_HI = 89f; // exp(89) > Float.MAX_VALUE: gives +inf
    private static final float EXP_LO = -104f; // exp(-104) < Float.MIN_VALUE / 2: gives 0
    private static final float[] EXP_P = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
        4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};
    private static final float[] LOG_P = {7.0376836292e-2f, -1.1514610310e-1f, 1.1676998740e-1f,
        -1.2420140846e-1f, 1.4249322787e-1f, -1.6668057665e-1f, 2.0000714765e-1f, -2.4999993993e-1f,
        3.3333331174e-1f};
    private static final float[] TANH_P = {-5.70498872745e-3f, 2.06390887954e-2f, -5.37397155531e-2f,
        1.33314422036e-1f, -3.33332819422e-1f};
    private static final float SQRT_HALF = 0.707106781186547524f;
    private static final float TANH_SMALL = 0.625f;

    private FloatMath() {}

    /** e^x, lane by lane; +inf above ~88.72, 0 below ~-103.9, NaN for NaN. */
    public static FloatVector exp(FloatVector x) {
        x = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = x.mul(LOG2E).add(ROUND);
        FloatVector n = t.sub(ROUND);
        IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS);
        FloatVector r = x.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector p = x.broadcast(EXP_P[0]);
        for (int k = 1; k < EXP_P.length; k++) p = p.mul(r).add(EXP_P[k]);
        p = p.mul(r.mul(r)).add(r).add(1f);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1), n2 = ni.sub(n1);
        return p.mul(pow2(n1)).mul(pow2(n2));
    }

    /** Scalar twin of {@link #exp(FloatVector)}: the same operations in the same order. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = x * LOG2E + ROUND;
        float n = t - ROUND;
        int ni = Float.floatToRawIntBits(t) - ROUND_BITS;
        float r = x - n * LN2_HI - n * LN2_LO;
        float p = EXP_P[0];
        for (int k = 1; k < EXP_P.length; k++) p = p * r + EXP_P[k];
        p = p * (r * r) + r + 1f;
        int n1 = ni >> 1, n2 = ni - n1;
        return p * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
    }

    private static FloatVector pow2(IntVector n) {
        return n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    /** Natural log, lane by lane; -inf at 0, NaN below 0 and for NaN, +inf at +inf; subnormals handled. */
    public static FloatVector log(FloatVector x) {
        VectorMask<Float> tiny = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector xs = x.blend(x.mul(8388608f), tiny); // 2^23 lifts subnormals into the normal range
        IntVector bits = xs.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.LSHR, 23).sub(126).sub(23, tiny.cast(bits.species()));
        FloatVector m = bits.and(0x807FFFFF).or(0x3F000000).reinterpretAsFloats(); // [0.5, 1)
        VectorMask<Float> low = m.compare(VectorOperators.LT, SQRT_HALF);
        FloatVector ef = ((FloatVector) e.convert(VectorOperators.I2F, 0)).sub(1f, low);
        FloatVector f = m.add(m, low).sub(1f); // 2m - 1 below sqrt(1/2), else m - 1
        FloatVector z = f.mul(f);
        FloatVector y = x.broadcast(LOG_P[0]);
        for (int k = 1; k < LOG_P.length; k++) y = y.mul(f).add(LOG_P[k]);
        y = y.mul(f).mul(z).add(ef.mul(LN2_LO)).sub(z.mul(0.5f));
        FloatVector out = f.add(y).add(ef.mul(LN2_HI));
        out = out.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        out = out.blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.compare(VectorOperators.NE, x)));
        return out.blend(x, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
    }

    /** Scalar twin of {@link #log(FloatVector)}. */
    public static float log(float x) {
        boolean tiny = x < Float.MIN_NORMAL;
        float xs = tiny ? x * 8388608f : x;
        int bits = Float.floatToRawIntBits(xs);
        int e = (bits >>> 23) - 126 - (tiny ? 23 : 0);
        float m = Float.intBitsToFloat((bits & 0x807FFFFF) | 0x3F000000);
        boolean low = m < SQRT_HALF;
        float ef = (float) e - (low ? 1f : 0f);
        float f = m + (low ? m : 0f) - 1f;
        float z = f * f;
        float y = LOG_P[0];
        for (int k = 1; k < LOG_P.length; k++) y = y * f + LOG_P[k];
        y = y * f * z + ef * LN2_LO - z * 0.5f;
        float out = f + y + ef * LN2_HI;
        if (x == 0f) out = Float.NEGATIVE_INFINITY;
        if (x < 0f || x != x) out = Float.NaN;
        return x == Float.POSITIVE_INFINITY ? x : out;
    }

    /** tanh, lane by lane: an odd polynomial below |x| = 0.625, {@code 1 - 2 / (e^{2|x|} + 1)} above. */
    public static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector big = x.broadcast(1f).sub(x.broadcast(2f).div(exp(a.add(a)).add(1f)));
        big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
        FloatVector z = x.mul(x);
        FloatVector p = x.broadcast(TANH_P[0]);
        for (int k = 1; k < TANH_P.length; k++) p = p.mul(z).add(TANH_P[k]);
        FloatVector small = p.mul(z).mul(x).add(x).blend(x, a.compare(VectorOperators.EQ, 0f)); // keeps -0
        return big.blend(small, a.compare(VectorOperators.LT, TANH_SMALL));
    }

    /** Scalar twin of {@link #tanh(FloatVector)}. */
    public static float tanh(float x) {
        float a = Math.abs(x);
        if (a < TANH_SMALL) {
            if (a == 0f) return x;
            float z = x * x;
            float p = TANH_P[0];
            for (int k = 1; k < TANH_P.length; k++) p = p * z + TANH_P[k];
            return p * z * x + x;
        }
        float big = 1f - 2f / (exp(a + a) + 1f);
        return x < 0f ? -big : big;
    }

    /** The logistic function {@code 1 / (1 + e^{-x})} through {@link #exp(FloatVector)}. */
    public static FloatVector sigmoid(FloatVector x) {
        return x.broadcast(1f).div(exp(x.neg()).add(1f));
    }

    /** Scalar twin of {@link #sigmoid(FloatVector)}. */
    public static float sigmoid(float x) {
        return 1f / (exp(-x) + 1f);
    }
}
