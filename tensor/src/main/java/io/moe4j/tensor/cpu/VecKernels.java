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
        int i = 0;
        if (!SCALAR && vectorizable(op)) {
            for (; i <= n - L; i += L) unaryVec(op, FloatVector.fromArray(S, a, ia + i)).intoArray(out, o + i);
        }
        for (; i < n; i++) out[o + i] = unaryScalar(op, a[ia + i]);
    }

    /** The scalar twin of {@link #unaryVec}: the same bits per element, so a result does not depend on which lane
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

    private static boolean vectorizable(UnaryOp op) {
        return switch (op) {
            case NEG, SQRT, RSQRT, RECIP, SQUARE, ABS, RELU -> true;
            default -> false;
        };
    }

    private static FloatVector unaryVec(UnaryOp op, FloatVector x) {
        return switch (op) {
            case NEG -> x.neg();
            case SQRT -> x.sqrt();
            case RSQRT -> x.broadcast(1f).div(x.sqrt());
            case RECIP -> x.broadcast(1f).div(x);
            case SQUARE -> x.mul(x);
            case ABS -> x.abs();
            case RELU -> x.max(0f);
            default -> throw new IllegalStateException(op.name());
        };
    }

    /** out = a op b over n elements (same layout). */
    static void binary(BinaryOp op, float[] a, int ia, float[] b, int ib, float[] out, int o, int n) {
        int i = 0;
        if (!SCALAR && op.ordinal() <= BinaryOp.MIN.ordinal()) {
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ia + i), y = FloatVector.fromArray(S, b, ib + i);
                binaryVec(op, x, y).intoArray(out, o + i);
            }
        }
        for (; i < n; i++) out[o + i] = (float) op.apply(a[ia + i], b[ib + i]);
    }

    /** out = a op s for a scalar s broadcast over n elements; {@code scalarLeft} computes s op a. */
    static void binaryScalar(BinaryOp op, float[] a, int ia, float s, boolean scalarLeft, float[] out, int o, int n) {
        int i = 0;
        if (!SCALAR && op.ordinal() <= BinaryOp.MIN.ordinal()) {
            FloatVector sv = FloatVector.broadcast(S, s);
            for (; i <= n - L; i += L) {
                FloatVector x = FloatVector.fromArray(S, a, ia + i);
                (scalarLeft ? binaryVec(op, sv, x) : binaryVec(op, x, sv)).intoArray(out, o + i);
            }
        }
        for (; i < n; i++) out[o + i] = (float) (scalarLeft ? op.apply(s, a[ia + i]) : op.apply(a[ia + i], s));
    }

    private static FloatVector binaryVec(BinaryOp op, FloatVector x, FloatVector y) {
        return switch (op) {
            case ADD -> x.add(y);
            case SUB -> x.sub(y);
            case MUL -> x.mul(y);
            case DIV -> x.div(y);
            case MAX -> x.max(y);
            case MIN -> x.min(y);
            default -> throw new IllegalStateException(op.name());
        };
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
