// Element-wise kernels over strided, broadcast operands. The host collapses axes and passes one
// Dims (the output's logical shape) plus per-operand Strides and element offsets; outputs are
// contiguous unless a kernel says otherwise. Grid-stride loops, so any grid size is correct.
#include "common.cuh"

// Must list io.moe4j.tensor.UnaryOp in order (a CPU test compares the two).
enum UnaryCode { U_NEG = 0, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_RECIP, U_SQUARE, U_ABS, U_SIGN, U_TANH,
                 U_SIGMOID, U_SILU, U_RELU, U_SOFTPLUS, U_SIN, U_COS };
// Must list io.moe4j.tensor.BinaryOp in order.
enum BinaryCode { B_ADD = 0, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_POW, B_GT, B_GE, B_LT, B_LE, B_EQ };

template <typename T> __device__ __forceinline__ T sigmoid_of(T x) {
    return x >= (T)0 ? (T)1 / ((T)1 + exp(-x)) : exp(x) / ((T)1 + exp(x));
}

template <typename T> __device__ __forceinline__ T unary_apply(int op, T x) {
    switch (op) {
        case U_NEG: return -x;
        case U_EXP: return exp(x);
        case U_LOG: return log(x);
        case U_SQRT: return sqrt(x);
        case U_RSQRT: return (T)1 / sqrt(x);
        case U_RECIP: return (T)1 / x;
        case U_SQUARE: return x * x;
        case U_ABS: return fabs(x);
        case U_SIGN: return x > (T)0 ? (T)1 : x < (T)0 ? (T)-1 : x;
        case U_TANH: return tanh(x);
        case U_SIGMOID: return sigmoid_of(x);
        case U_SILU: return x * sigmoid_of(x);
        case U_RELU: return x > (T)0 ? x : (T)0;
        case U_SOFTPLUS: return x > (T)20 ? x : log1p(exp(x));
        case U_SIN: return sin(x);
        case U_COS: return cos(x);
        default: return x;
    }
}

template <typename T> __device__ __forceinline__ T binary_apply(int op, T a, T b) {
    switch (op) {
        case B_ADD: return a + b;
        case B_SUB: return a - b;
        case B_MUL: return a * b;
        case B_DIV: return a / b;
        case B_MAX: return jmax(a, b);
        case B_MIN: return jmin(a, b);
        case B_POW: return pow(a, b);
        case B_GT: return a > b ? (T)1 : (T)0;
        case B_GE: return a >= b ? (T)1 : (T)0;
        case B_LT: return a < b ? (T)1 : (T)0;
        case B_LE: return a <= b ? (T)1 : (T)0;
        case B_EQ: return a == b ? (T)1 : (T)0;
        default: return a;
    }
}

template <typename T>
__device__ void unary_impl(int op, const T* a, int offA, Strides sa, Dims d, T* out, long long n) {
    for (long long e = global_index(); e < n; e += global_stride())
        out[e] = unary_apply(op, a[offA + strided_offset(e, d, sa)]);
}

template <typename T>
__device__ void binary_impl(int op, const T* a, int offA, Strides sa, const T* b, int offB, Strides sb,
                            Dims d, T* out, long long n) {
    for (long long e = global_index(); e < n; e += global_stride())
        out[e] = binary_apply(op, a[offA + strided_offset(e, d, sa)], b[offB + strided_offset(e, d, sb)]);
}

template <typename T>
__device__ void affine_impl(const T* a, int offA, Strides sa, Dims d, T scale, T shift, T* out, long long n) {
    for (long long e = global_index(); e < n; e += global_stride())
        out[e] = a[offA + strided_offset(e, d, sa)] * scale + shift;
}

template <typename C, typename T>
__device__ void where_impl(const C* c, int offC, Strides sc, const T* a, int offA, Strides sa,
                           const T* b, int offB, Strides sb, Dims d, T* out, long long n) {
    for (long long e = global_index(); e < n; e += global_stride()) {
        C cv = c[offC + strided_offset(e, d, sc)];
        out[e] = cv != (C)0 ? a[offA + strided_offset(e, d, sa)] : b[offB + strided_offset(e, d, sb)];
    }
}

// dst[dstOff + off(e)] = src[srcOff + off(e)]: strided copies in both directions (copy, copyInto,
// concat). Moves raw bits, so one kernel per element width serves F32 and I32.
template <typename T>
__device__ void move_impl(const T* src, int offS, Strides ss, T* dst, int offD, Strides sd, Dims d, long long n) {
    for (long long e = global_index(); e < n; e += global_stride())
        dst[offD + strided_offset(e, d, sd)] = src[offS + strided_offset(e, d, ss)];
}

// dst[...] += src[...]; atomic so that a dst with repeated elements (stride 0) adds every term.
template <typename T>
__device__ void accumulate_impl(const T* src, int offS, Strides ss, T* dst, int offD, Strides sd, Dims d, long long n) {
    for (long long e = global_index(); e < n; e += global_stride())
        atomicAdd(dst + offD + strided_offset(e, d, sd), src[offS + strided_offset(e, d, ss)]);
}

#define EW_FLOAT(T, S)                                                                                   \
    extern "C" __global__ void unary_##S(int op, const T* a, int offA, Strides sa, Dims d, T* out, long long n) { \
        unary_impl<T>(op, a, offA, sa, d, out, n);                                                       \
    }                                                                                                    \
    extern "C" __global__ void binary_##S(int op, const T* a, int offA, Strides sa, const T* b, int offB, \
                                          Strides sb, Dims d, T* out, long long n) {                     \
        binary_impl<T>(op, a, offA, sa, b, offB, sb, d, out, n);                                         \
    }                                                                                                    \
    extern "C" __global__ void affine_##S(const T* a, int offA, Strides sa, Dims d, T scale, T shift, T* out, \
                                          long long n) {                                                 \
        affine_impl<T>(a, offA, sa, d, scale, shift, out, n);                                            \
    }                                                                                                    \
    extern "C" __global__ void where_##S##_f32(const float* c, int offC, Strides sc, const T* a, int offA, \
            Strides sa, const T* b, int offB, Strides sb, Dims d, T* out, long long n) {                 \
        where_impl<float, T>(c, offC, sc, a, offA, sa, b, offB, sb, d, out, n);                          \
    }                                                                                                    \
    extern "C" __global__ void where_##S##_f64(const double* c, int offC, Strides sc, const T* a, int offA, \
            Strides sa, const T* b, int offB, Strides sb, Dims d, T* out, long long n) {                 \
        where_impl<double, T>(c, offC, sc, a, offA, sa, b, offB, sb, d, out, n);                         \
    }                                                                                                    \
    extern "C" __global__ void where_##S##_i32(const int* c, int offC, Strides sc, const T* a, int offA, \
            Strides sa, const T* b, int offB, Strides sb, Dims d, T* out, long long n) {                 \
        where_impl<int, T>(c, offC, sc, a, offA, sa, b, offB, sb, d, out, n);                            \
    }

EW_FLOAT(float, f32)
EW_FLOAT(double, f64)

extern "C" __global__ void move_b4(const unsigned int* src, int offS, Strides ss, unsigned int* dst, int offD,
                                   Strides sd, Dims d, long long n) {
    move_impl(src, offS, ss, dst, offD, sd, d, n);
}
extern "C" __global__ void move_b8(const unsigned long long* src, int offS, Strides ss, unsigned long long* dst,
                                   int offD, Strides sd, Dims d, long long n) {
    move_impl(src, offS, ss, dst, offD, sd, d, n);
}

extern "C" __global__ void accumulate_f32(const float* src, int offS, Strides ss, float* dst, int offD, Strides sd,
                                          Dims d, long long n) {
    accumulate_impl(src, offS, ss, dst, offD, sd, d, n);
}
extern "C" __global__ void accumulate_f64(const double* src, int offS, Strides ss, double* dst, int offD,
                                          Strides sd, Dims d, long long n) {
    accumulate_impl(src, offS, ss, dst, offD, sd, d, n);
}
extern "C" __global__ void accumulate_i32(const int* src, int offS, Strides ss, int* dst, int offD, Strides sd,
                                          Dims d, long long n) {
    accumulate_impl(src, offS, ss, dst, offD, sd, d, n);
}
