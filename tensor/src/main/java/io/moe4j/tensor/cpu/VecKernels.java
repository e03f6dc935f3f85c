package io.moe4j.tensor.cpu;

import io.moe4j.tensor.BinaryOp;
import io.moe4j.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise F32 kernels over flat array ranges, with a Vector API body and a scalar tail. With
 * {@code -Dmoe4j.vector.bits=0} the scalar loop runs alone. Each call works on one contiguous
 * range, so the caller can split ranges over threads without changing any result.
 */
final class VecKernels {
    static final VectorSpecies<Float> S = SimdConfig.SPECIES;
    static final boolean SCALAR = SimdConfig.SCALAR;
    private static final int L = S.length();

    private VecKernels() {}

    /** out[o..o+n) = op(a[ia..ia+n)). */
    static void unary(UnaryOp op, float[] a, int ia, float[] out, int o, int n) {
        switch (op) { // transcendental ops: FloatMath's bulk kernels (JIT-independent bits)
            case EXP -> FloatMath.exp(a, ia, out, o, n);
            case LOG -> FloatMath.log(a, ia, out, o, n);
            case TANH -> FloatMath.tanh(a, ia, out, o, n);
            case SIGMOID -> FloatMath.sigmoid(a, ia, out, o, n);
            case SILU -> FloatMath.silu(a, ia, out, o, n);
            default -> unaryElementwise(op, a, ia, out, o, n);
        }
    }

    private static void unaryElementwise(UnaryOp op, float[] a, int ia, float[] out, int o, int n) {
        int i = SCALAR ? 0 : switch (op) { // one loop per op: no vector crosses a call, which C2 may not inline
            case NEG -> neg(a, ia, out, o, n);
            case SQRT -> sqrt(a, ia, out, o, n);
            case RSQRT -> rsqrt(a, ia, out, o, n);
            case RECIP -> recip(a, ia, out, o, n);
            case SQUARE -> square(a, ia, out, o, n);
            case ABS -> abs(a, ia, out, o, n);
            case RELU -> relu(a, ia, out, o, n);
            default -> 0;
        };
        for (; i < n; i++) out[o + i] = unaryScalar(op, a[ia + i]);
    }

    /** The scalar twin of the vector loops: the same bits per element, so a result does not depend on which lane
     * or chunk an element lands in. */
    static float unaryScalar(UnaryOp op, float x) {
        return switch (op) {
            case NEG -> -x;
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> 1f / (float) Math.sqrt(x);
            case RECIP -> 1f / x;
            case SQUARE -> x * x;
            case ABS -> Math.abs(x);
            case TANH -> FloatMath.tanh(x);
            case SIGMOID -> FloatMath.sigmoid(x);
            case SILU -> x * FloatMath.sigmoid(x);
            case RELU -> Math.max(x, 0f);
            default -> (float) op.apply(x);
        };
    }

    /** out = a op b over n elements (same layout). */
    static void binary(BinaryOp op, float[] a, int ia, float[] b, int ib, float[] out, int o, int n) {
        int i = SCALAR ? 0 : switch (op) {
            case ADD -> add(a, ia, b, ib, out, o, n);
            case SUB -> sub(a, ia, b, ib, out, o, n);
            case MUL -> mul(a, ia, b, ib, out, o, n);
            case DIV -> div(a, ia, b, ib, out, o, n);
            case MAX -> max(a, ia, b, ib, out, o, n);
            case MIN -> min(a, ia, b, ib, out, o, n);
            default -> 0;
        };
        for (; i < n; i++) out[o + i] = (float) op.apply(a[ia + i], b[ib + i]);
    }

    /** out = a op s for a scalar s broadcast over n elements; {@code scalarLeft} computes s op a. */
    static void binaryScalar(BinaryOp op, float[] a, int ia, float s, boolean scalarLeft, float[] out, int o, int n) {
        int i = SCALAR ? 0 : switch (op) {
            case ADD -> addS(a, ia, s, out, o, n);
            case MUL -> mulS(a, ia, s, out, o, n);
            case SUB -> scalarLeft ? rsubS(a, ia, s, out, o, n) : addS(a, ia, -s, out, o, n); // a − s = a + (−s) exactly
            case DIV -> scalarLeft ? rdivS(a, ia, s, out, o, n) : divS(a, ia, s, out, o, n);
            case MAX -> maxS(a, ia, s, out, o, n);
            case MIN -> minS(a, ia, s, out, o, n);
            default -> 0;
        };
        for (; i < n; i++) out[o + i] = (float) (scalarLeft ? op.apply(s, a[ia + i]) : op.apply(a[ia + i], s));
    }

    // ---------------------------------------------------------------- one vector loop per op; each returns where it stopped

    private static int neg(float[] a, int ia, float[] out, int o, int n) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).neg().intoArray(out, o + i);
        return i;
    }

    private static int sqrt(float[] a, int ia, float[] out, int o, int n) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).sqrt().intoArray(out, o + i);
        return i;
    }

    private static int rsqrt(float[] a, int ia, float[] out, int o, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i <= n - L; i += L) one.div(FloatVector.fromArray(S, a, ia + i).sqrt()).intoArray(out, o + i);
        return i;
    }

    private static int recip(float[] a, int ia, float[] out, int o, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i <= n - L; i += L) one.div(FloatVector.fromArray(S, a, ia + i)).intoArray(out, o + i);
        return i;
    }

    private static int square(float[] a, int ia, float[] out, int o, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, a, ia + i);
            x.mul(x).intoArray(out, o + i);
        }
        return i;
    }

    private static int abs(float[] a, int ia, float[] out, int o, int n) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).abs().intoArray(out, o + i);
        return i;
    }

    private static int relu(float[] a, int ia, float[] out, int o, int n) {
        int i = 0;
        FloatVector zero = FloatVector.zero(S);
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).max(zero).intoArray(out, o + i);
        return i;
    }

    private static int add(float[] a, int ia, float[] b, int ib, float[] out, int o, int n) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).add(FloatVector.fromArray(S, b, ib + i)).intoArray(out, o + i);
        return i;
    }

    private static int sub(float[] a, int ia, float[] b, int ib, float[] out, int o, int n) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).sub(FloatVector.fromArray(S, b, ib + i)).intoArray(out, o + i);
        return i;
    }

    private static int mul(float[] a, int ia, float[] b, int ib, float[] out, int o, int n) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).mul(FloatVector.fromArray(S, b, ib + i)).intoArray(out, o + i);
        return i;
    }

    private static int div(float[] a, int ia, float[] b, int ib, float[] out, int o, int n) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).div(FloatVector.fromArray(S, b, ib + i)).intoArray(out, o + i);
        return i;
    }

    private static int max(float[] a, int ia, float[] b, int ib, float[] out, int o, int n) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).max(FloatVector.fromArray(S, b, ib + i)).intoArray(out, o + i);
        return i;
    }

    private static int min(float[] a, int ia, float[] b, int ib, float[] out, int o, int n) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).min(FloatVector.fromArray(S, b, ib + i)).intoArray(out, o + i);
        return i;
    }

    private static int addS(float[] a, int ia, float s, float[] out, int o, int n) {
        int i = 0;
        FloatVector v = FloatVector.broadcast(S, s);
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).add(v).intoArray(out, o + i);
        return i;
    }

    private static int mulS(float[] a, int ia, float s, float[] out, int o, int n) {
        int i = 0;
        FloatVector v = FloatVector.broadcast(S, s);
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).mul(v).intoArray(out, o + i);
        return i;
    }

    private static int rsubS(float[] a, int ia, float s, float[] out, int o, int n) {
        int i = 0;
        FloatVector v = FloatVector.broadcast(S, s);
        for (; i <= n - L; i += L) v.sub(FloatVector.fromArray(S, a, ia + i)).intoArray(out, o + i);
        return i;
    }

    private static int divS(float[] a, int ia, float s, float[] out, int o, int n) {
        int i = 0;
        FloatVector v = FloatVector.broadcast(S, s);
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).div(v).intoArray(out, o + i);
        return i;
    }

    private static int rdivS(float[] a, int ia, float s, float[] out, int o, int n) {
        int i = 0;
        FloatVector v = FloatVector.broadcast(S, s);
        for (; i <= n - L; i += L) v.div(FloatVector.fromArray(S, a, ia + i)).intoArray(out, o + i);
        return i;
    }

    private static int maxS(float[] a, int ia, float s, float[] out, int o, int n) {
        int i = 0;
        FloatVector v = FloatVector.broadcast(S, s);
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).max(v).intoArray(out, o + i);
        return i;
    }

    private static int minS(float[] a, int ia, float s, float[] out, int o, int n) {
        int i = 0;
        FloatVector v = FloatVector.broadcast(S, s);
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).min(v).intoArray(out, o + i);
        return i;
    }

    /** out = a*scale + shift. */
    static void affine(float[] a, int ia, float scale, float shift, float[] out, int o, int n) {
        int i = 0;
        if (!SCALAR) for (; i <= n - L; i += L) FloatVector.fromArray(S, a, ia + i).fma(scale, shift).intoArray(out, o + i);
        for (; i < n; i++) out[o + i] = Math.fma(a[ia + i], scale, shift);
    }

    /** dst += src. */
    static void addInto(float[] dst, int id, float[] src, int is, int n) {
        int i = 0;
        if (!SCALAR) for (; i <= n - L; i += L)
            FloatVector.fromArray(S, dst, id + i).add(FloatVector.fromArray(S, src, is + i)).intoArray(dst, id + i);
        for (; i < n; i++) dst[id + i] += src[is + i];
    }

    /** Sum of a[ia..ia+n): vector lanes accumulate, then a fixed-order lane reduction. */
    static float sum(float[] a, int ia, int n) {
        int i = 0;
        float acc = 0;
        if (!SCALAR && n >= L) {
            FloatVector v = FloatVector.zero(S);
            for (; i <= n - L; i += L) v = v.add(FloatVector.fromArray(S, a, ia + i));
            acc = v.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) acc += a[ia + i];
        return acc;
    }

    static float max(float[] a, int ia, int n) {
        int i = 0;
        float acc = Float.NEGATIVE_INFINITY;
        if (!SCALAR && n >= L) {
            FloatVector v = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i <= n - L; i += L) v = v.max(FloatVector.fromArray(S, a, ia + i));
            acc = v.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) acc = Math.max(acc, a[ia + i]);
        return acc;
    }

    static float min(float[] a, int ia, int n) {
        float acc = Float.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) acc = Math.min(acc, a[ia + i]);
        return acc;
    }
}
