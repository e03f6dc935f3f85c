// Reductions, argmax and softmax along one axis of a contiguous input seen as [outer, n, inner].
// "rows" kernels (inner == 1): one block per row, block-wide tree reduction.
// "cols" kernels (inner > 1): one thread per output, a sequential loop over n, coalesced over inner.
// Sums accumulate in double for both dtypes, as the reference backend does.
#include "common.cuh"

// Must list io.moe4j.tensor.ReduceOp in order.
enum ReduceCode { R_SUM = 0, R_MEAN, R_MAX, R_MIN };

__device__ __forceinline__ double r_init(int op) {
    return op == R_MAX ? -CUDART_INF : op == R_MIN ? CUDART_INF : 0.0;
}
__device__ __forceinline__ double r_step(int op, double acc, double v) {
    return op == R_MAX ? jmax(acc, v) : op == R_MIN ? jmin(acc, v) : acc + v;
}
__device__ __forceinline__ double r_done(int op, double acc, int n) {
    return op == R_MEAN ? acc / n : acc;
}

template <typename T>
__device__ void reduce_rows_impl(int op, const T* a, T* out, int rows, int n) {
    __shared__ double part[32];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* row = a + (long long)r * n;
        double acc = r_init(op);
        for (int j = threadIdx.x; j < n; j += blockDim.x) acc = r_step(op, acc, (double)row[j]);
        for (int o = 16; o > 0; o >>= 1) acc = r_step(op, acc, __shfl_xor_sync(0xffffffffu, acc, o));
        int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
        __syncthreads();
        if (lane == 0) part[warp] = acc;
        __syncthreads();
        if (warp == 0) {
            acc = lane < nw ? part[lane] : r_init(op);
            for (int o = 16; o > 0; o >>= 1) acc = r_step(op, acc, __shfl_xor_sync(0xffffffffu, acc, o));
            if (lane == 0) out[r] = (T)r_done(op, acc, n);
        }
    }
}

template <typename T>
__device__ void reduce_cols_impl(int op, const T* a, T* out, int outer, int n, int inner) {
    long long total = (long long)outer * inner;
    for (long long e = global_index(); e < total; e += global_stride()) {
        long long o = e / inner, i = e - o * inner;
        const T* p = a + o * n * inner + i;
        double acc = r_init(op);
        for (int j = 0; j < n; ++j) acc = r_step(op, acc, (double)p[(long long)j * inner]);
        out[e] = (T)r_done(op, acc, n);
    }
}

// Argmax keeps (value, index); the better of two: a NaN beats a number, then the larger value,
// then the smaller index (the first maximum, like the reference).
__device__ __forceinline__ bool am_better(double v, int i, double bv, int bi) {
    bool vn = v != v, bn = bv != bv;
    if (vn != bn) return vn;
    if (!vn && v != bv) return v > bv;
    return i < bi;
}

template <typename T>
__device__ void argmax_rows_impl(const T* a, int* out, int rows, int n) {
    __shared__ double pv[32];
    __shared__ int pi[32];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* row = a + (long long)r * n;
        double bv = -CUDART_INF;
        int bi = 0x7fffffff;
        for (int j = threadIdx.x; j < n; j += blockDim.x)
            if (am_better((double)row[j], j, bv, bi)) { bv = (double)row[j]; bi = j; }
        for (int o = 16; o > 0; o >>= 1) {
            double ov = __shfl_xor_sync(0xffffffffu, bv, o);
            int oi = __shfl_xor_sync(0xffffffffu, bi, o);
            if (am_better(ov, oi, bv, bi)) { bv = ov; bi = oi; }
        }
        int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
        __syncthreads();
        if (lane == 0) { pv[warp] = bv; pi[warp] = bi; }
        __syncthreads();
        if (warp == 0) {
            bv = lane < nw ? pv[lane] : -CUDART_INF;
            bi = lane < nw ? pi[lane] : 0x7fffffff;
            for (int o = 16; o > 0; o >>= 1) {
                double ov = __shfl_xor_sync(0xffffffffu, bv, o);
                int oi = __shfl_xor_sync(0xffffffffu, bi, o);
                if (am_better(ov, oi, bv, bi)) { bv = ov; bi = oi; }
            }
            if (lane == 0) out[r] = bi;
        }
    }
}

template <typename T>
__device__ void argmax_cols_impl(const T* a, int* out, int outer, int n, int inner) {
    long long total = (long long)outer * inner;
    for (long long e = global_index(); e < total; e += global_stride()) {
        long long o = e / inner, i = e - o * inner;
        const T* p = a + o * n * inner + i;
        double bv = (double)p[0];
        int bi = 0;
        for (int j = 1; j < n; ++j) {
            double v = (double)p[(long long)j * inner];
            if (am_better(v, j, bv, bi)) { bv = v; bi = j; }
        }
        out[e] = bi;
    }
}

// Softmax / log-softmax: one block per (outer, inner) line, three passes (max, sum, write).
template <typename T>
__device__ void softmax_impl(const T* a, T* out, int outer, int n, int inner, int logOut) {
    long long lines = (long long)outer * inner;
    for (long long l = blockIdx.x; l < lines; l += gridDim.x) {
        long long o = l / inner, i = l - o * inner;
        long long base = o * n * inner + i;
        double m = -CUDART_INF;
        for (int j = threadIdx.x; j < n; j += blockDim.x) m = jmax(m, (double)a[base + (long long)j * inner]);
        m = block_max(m);
        double s = 0;
        for (int j = threadIdx.x; j < n; j += blockDim.x) s += exp((double)a[base + (long long)j * inner] - m);
        s = block_sum(s);
        double ls = log(s);
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            double z = (double)a[base + (long long)j * inner] - m;
            out[base + (long long)j * inner] = (T)(logOut ? z - ls : exp(z) / s);
        }
    }
}

#define RED(T, S)                                                                                        \
    extern "C" __global__ void reduce_rows_##S(int op, const T* a, T* out, int rows, int n) {           \
        reduce_rows_impl<T>(op, a, out, rows, n);                                                        \
    }                                                                                                    \
    extern "C" __global__ void reduce_cols_##S(int op, const T* a, T* out, int outer, int n, int inner) { \
        reduce_cols_impl<T>(op, a, out, outer, n, inner);                                                \
    }                                                                                                    \
    extern "C" __global__ void argmax_rows_##S(const T* a, int* out, int rows, int n) {                 \
        argmax_rows_impl<T>(a, out, rows, n);                                                            \
    }                                                                                                    \
    extern "C" __global__ void argmax_cols_##S(const T* a, int* out, int outer, int n, int inner) {     \
        argmax_cols_impl<T>(a, out, outer, n, inner);                                                    \
    }

RED(float, f32)
RED(double, f64)

extern "C" __global__ void argmax_rows_i32(const int* a, int* out, int rows, int n) { argmax_rows_impl<int>(a, out, rows, n); }
extern "C" __global__ void argmax_cols_i32(const int* a, int* out, int outer, int n, int inner) {
    argmax_cols_impl<int>(a, out, outer, n, inner);
}

extern "C" __global__ void softmax_f32(const float* a, float* out, int outer, int n, int inner, int logOut) {
    softmax_impl<float>(a, out, outer, n, inner, logOut);
}
extern "C" __global__ void softmax_f64(const double* a, double* out, int outer, int n, int inner, int logOut) {
    softmax_impl<double>(a, out, outer, n, inner, logOut);
}
