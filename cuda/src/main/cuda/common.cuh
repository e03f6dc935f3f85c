// Shared helpers for the moe4j kernels. Every kernel is extern "C" so the Java side finds it by
// its plain name; type variants carry a suffix (_f32, _f64, _i32, or _b4/_b8 for pure data moves).
#pragma once
#include <stdint.h>
#include <math_constants.h>

#define MAXD 8

// A logical shape of up to MAXD dimensions (after the host collapsed mergeable axes).
struct Dims {
    int rank;
    int size[MAXD];
};

// Element strides of one operand over a Dims (0 on broadcast axes).
struct Strides {
    int s[MAXD];
};

// Storage offset of row-major element e of d under strides st. Tensors hold fewer than 2^31
// elements (Java arrays), so 32-bit arithmetic is exact and much cheaper than 64-bit division.
__device__ __forceinline__ int strided_offset(long long e64, const Dims& d, const Strides& st) {
    unsigned int e = (unsigned int)e64;
    int off = 0;
#pragma unroll
    for (int k = MAXD - 1; k >= 0; --k) { // constant indices keep Dims/Strides in registers
        if (k >= d.rank) continue;
        unsigned int n = (unsigned int)d.size[k];
        unsigned int q = e / n;
        off += (int)(e - q * n) * st.s[k];
        e = q;
    }
    return off;
}

// Java's Math.max/min: NaN wins.
template <typename T> __device__ __forceinline__ T jmax(T a, T b) {
    return (a != a) ? a : (b != b) ? b : (a > b ? a : b);
}
template <typename T> __device__ __forceinline__ T jmin(T a, T b) {
    return (a != a) ? a : (b != b) ? b : (a < b ? a : b);
}

__device__ __forceinline__ long long global_index() {
    return (long long)blockIdx.x * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ long long global_stride() {
    return (long long)gridDim.x * blockDim.x;
}

// Warp-wide sums and maxima (all 32 lanes take part).
template <typename T> __device__ __forceinline__ T warp_sum(T v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
template <typename T> __device__ __forceinline__ T warp_max(T v) {
    for (int o = 16; o > 0; o >>= 1) v = jmax(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Block-wide sum for blockDim.x a multiple of 32 and at most 1024; every thread gets the result.
template <typename T> __device__ T block_sum(T v) {
    __shared__ T part[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
    v = warp_sum(v);
    __syncthreads(); // part[] may still be read by a previous call
    if (lane == 0) part[warp] = v;
    __syncthreads();
    T t = lane < nw ? part[lane] : (T)0;
    return warp_sum(t);
}

template <typename T> __device__ T block_max(T v) {
    __shared__ T part[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) part[warp] = v;
    __syncthreads();
    T t = lane < nw ? part[lane] : part[0];
    return warp_max(t);
}
