// Indexing kernels. Indices are I32 and were range-checked on the host (they are host data), so
// the kernels trust them. Inputs are contiguous; outputs are contiguous.
#include "common.cuh"

// out[e] = src[pos(e) with pos[axis] = idx[e]] for e over the index shape (torch.gather).
template <typename T>
__device__ void gather_impl(const T* src, Strides srcStrides, const int* idx, Dims idxShape, int axis, T* out, long long n) {
    for (long long e = global_index(); e < n; e += global_stride()) {
        unsigned int r = (unsigned int)e;
        long long off = 0;
        for (int k = idxShape.rank - 1; k >= 0; --k) {
            unsigned int s = (unsigned int)idxShape.size[k], q = r / s;
            int p = k == axis ? idx[e] : (int)(r - q * s);
            off += (long long)p * srcStrides.s[k];
            r = q;
        }
        out[e] = src[off];
    }
}

// out[pos(e) with pos[axis] = idx[e]] += src[e]; out already holds a copy of self.
template <typename T>
__device__ void scatter_add_impl(T* out, Strides outStrides, const int* idx, const T* src, Dims idxShape, int axis, long long n) {
    for (long long e = global_index(); e < n; e += global_stride()) {
        unsigned int r = (unsigned int)e;
        long long off = 0;
        for (int k = idxShape.rank - 1; k >= 0; --k) {
            unsigned int s = (unsigned int)idxShape.size[k], q = r / s;
            int p = k == axis ? idx[e] : (int)(r - q * s);
            off += (long long)p * outStrides.s[k];
            r = q;
        }
        atomicAdd(out + off, src[e]);
    }
}

// src [outer, n, inner] -> out [outer, m, inner] with out[o, j, i] = src[o, idx[j], i].
template <typename T>
__device__ void index_select_impl(const T* src, const int* idx, T* out, int outer, int n, int m, int inner) {
    long long total = (long long)outer * m * inner;
    for (long long e = global_index(); e < total; e += global_stride()) {
        long long i = e % inner, oj = e / inner, j = oj % m, o = oj / m;
        out[e] = src[(o * n + idx[j]) * inner + i];
    }
}

// out [outer, n, inner] (a copy of self) += src [outer, m, inner] at out[o, idx[j], i].
template <typename T>
__device__ void index_add_impl(T* out, const int* idx, const T* src, int outer, int n, int m, int inner) {
    long long total = (long long)outer * m * inner;
    for (long long e = global_index(); e < total; e += global_stride()) {
        long long i = e % inner, oj = e / inner, j = oj % m, o = oj / m;
        atomicAdd(out + (o * n + idx[j]) * inner + i, src[e]);
    }
}

extern "C" __global__ void gather_b4(const unsigned int* src, Strides ss, const int* idx, Dims d, int axis, unsigned int* out, long long n) {
    gather_impl(src, ss, idx, d, axis, out, n);
}
extern "C" __global__ void gather_b8(const unsigned long long* src, Strides ss, const int* idx, Dims d, int axis,
                                     unsigned long long* out, long long n) {
    gather_impl(src, ss, idx, d, axis, out, n);
}
extern "C" __global__ void index_select_b4(const unsigned int* src, const int* idx, unsigned int* out, int outer, int n, int m, int inner) {
    index_select_impl(src, idx, out, outer, n, m, inner);
}
extern "C" __global__ void index_select_b8(const unsigned long long* src, const int* idx, unsigned long long* out, int outer, int n,
                                           int m, int inner) {
    index_select_impl(src, idx, out, outer, n, m, inner);
}

#define IDX_ADD(T, S)                                                                                    \
    extern "C" __global__ void scatter_add_##S(T* out, Strides so, const int* idx, const T* src, Dims d, int axis, long long n) { \
        scatter_add_impl<T>(out, so, idx, src, d, axis, n);                                              \
    }                                                                                                    \
    extern "C" __global__ void index_add_##S(T* out, const int* idx, const T* src, int outer, int n, int m, int inner) { \
        index_add_impl<T>(out, idx, src, outer, n, m, inner);                                            \
    }

IDX_ADD(float, f32)
IDX_ADD(double, f64)
IDX_ADD(int, i32)
