// GEMM kernels: C[b] (M x N, contiguous) = A[b] (M x K) * B[b] (K x N). A and B are any strided
// matrices (row stride rs, column stride cs, in elements), so transposed views need no copy;
// per-batch element offsets come from small device arrays (batch axes may broadcast).
//   gemm_tiled_f32/f64: 64x64 block tile, BK 16, 256 threads with a 4x4 register tile each.
//   gemm_tf32_mma:      tensor cores, mma.sync m16n8k8 TF32 inputs, FP32 accumulate.
//   gemm_bf16_mma:      tensor cores, mma.sync m16n8k16 BF16 inputs (rounded from FP32), FP32 accumulate.
//   grouped_gemm_f32:   MoE experts: rows [off[e], off[e+1]) of X times W[e].
#include "common.cuh"
#include <cuda_bf16.h>

#define BM 64
#define BN 64
#define BK 16

// One 64x64 output tile at (m0, n0). All threads of the block must call it.
template <typename T>
__device__ void tile_gemm(int M, int N, int K, const T* A, int rsA, int csA, const T* B, int rsB, int csB,
                          T* C, int ldc, int m0, int n0) {
    __shared__ T As[BK][BM];
    __shared__ T Bs[BK][BN];
    int tid = threadIdx.x, ty = tid / 16, tx = tid % 16;
    T acc[4][4];
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] = (T)0;
    for (int k0 = 0; k0 < K; k0 += BK) {
        for (int r = 0; r < 4; ++r) {
            int idx = tid + 256 * r;
            int row = idx / BK, kk = idx % BK;
            int gm = m0 + row, gk = k0 + kk;
            As[kk][row] = (gm < M && gk < K) ? A[(long long)gm * rsA + (long long)gk * csA] : (T)0;
            int kb = idx / BN, col = idx % BN;
            int gn = n0 + col, gkb = k0 + kb;
            Bs[kb][col] = (gkb < K && gn < N) ? B[(long long)gkb * rsB + (long long)gn * csB] : (T)0;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            T a[4], b[4];
            for (int i = 0; i < 4; ++i) a[i] = As[kk][ty * 4 + i];
            for (int j = 0; j < 4; ++j) b[j] = Bs[kk][tx * 4 + j];
            for (int i = 0; i < 4; ++i)
                for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; ++i) {
        int gm = m0 + ty * 4 + i;
        if (gm >= M) continue;
        for (int j = 0; j < 4; ++j) {
            int gn = n0 + tx * 4 + j;
            if (gn < N) C[(long long)gm * ldc + gn] = acc[i][j];
        }
    }
}

// grid (ceil(N/64), ceil(M/64), min(batches, 65535)), block 256.
template <typename T>
__device__ void gemm_tiled_impl(int M, int N, int K, int batches, const T* A, const int* aOff, int rsA, int csA,
                                const T* B, const int* bOff, int rsB, int csB, T* C) {
    for (int b = blockIdx.z; b < batches; b += gridDim.z)
        tile_gemm<T>(M, N, K, A + aOff[b], rsA, csA, B + bOff[b], rsB, csB, C + (long long)b * M * N, N,
                     blockIdx.y * BM, blockIdx.x * BN);
}

extern "C" __global__ void __launch_bounds__(256) gemm_tiled_f32(int M, int N, int K, int batches, const float* A, const int* aOff, int rsA,
                                          int csA, const float* B, const int* bOff, int rsB, int csB, float* C) {
    gemm_tiled_impl<float>(M, N, K, batches, A, aOff, rsA, csA, B, bOff, rsB, csB, C);
}
extern "C" __global__ void __launch_bounds__(256) gemm_tiled_f64(int M, int N, int K, int batches, const double* A, const int* aOff, int rsA,
                                          int csA, const double* B, const int* bOff, int rsB, int csB, double* C) {
    gemm_tiled_impl<double>(M, N, K, batches, A, aOff, rsA, csA, B, bOff, rsB, csB, C);
}

// X [M, K] rows grouped by expert (offsets [E + 1]), W [E, K, N] contiguous, Y [M, N].
// grid (ceil(N/64), ceil(maxRows/64), E), block 256; tiles past an expert's rows exit early.
extern "C" __global__ void __launch_bounds__(256) grouped_gemm_f32(int N, int K, const float* X, const int* offsets,
                                                                   const float* W, float* Y) {
    int e = blockIdx.z;
    int r0 = offsets[e], rows = offsets[e + 1] - r0;
    int m0 = blockIdx.y * BM;
    if (m0 >= rows) return; // whole block leaves together, before any barrier
    tile_gemm<float>(rows, N, K, X + (long long)r0 * K, K, 1, W + (long long)e * K * N, N, 1,
                     Y + (long long)r0 * N, N, m0, blockIdx.x * BN);
}

// ---------------------------------------------------------------- tensor cores
// Block tile 64x64, 4 warps in a 2x2 grid, each warp 32x32 = 2 (m16) x 4 (n8) mma tiles.
// Fragment layouts follow the PTX ISA for mma.m16n8k8 (tf32) and mma.m16n8k16 (bf16):
// g = lane / 4 (groupID), t = lane % 4 (threadID_in_group).

__device__ __forceinline__ unsigned int to_tf32(float x) {
    unsigned int r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
}

__device__ __forceinline__ void mma_tf32(float* c, const unsigned int* a, const unsigned int* b) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

__device__ __forceinline__ void mma_bf16(float* c, const unsigned int* a, const unsigned int* b) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// Writes a warp's 2x4 grid of 16x8 accumulators; c[mi][ni][0..3] per the m16n8 C layout.
__device__ __forceinline__ void store_warp_tile(float (*c)[4][4], float* C, int M, int N, int row0, int col0, int g, int t) {
    for (int mi = 0; mi < 2; ++mi)
        for (int ni = 0; ni < 4; ++ni)
            for (int h = 0; h < 2; ++h) {
                int r = row0 + mi * 16 + g + h * 8;
                int col = col0 + ni * 8 + 2 * t;
                if (r >= M) continue;
                if (col < N) C[(long long)r * N + col] = c[mi][ni][2 * h];
                if (col + 1 < N) C[(long long)r * N + col + 1] = c[mi][ni][2 * h + 1];
            }
}

// grid (ceil(N/64), ceil(M/64), min(batches, 65535)), block 128.
extern "C" __global__ void __launch_bounds__(128) gemm_tf32_mma(int M, int N, int K, int batches, const float* A, const int* aOff,
                                                                int rsA, int csA, const float* B, const int* bOff, int rsB,
                                                                int csB, float* C) {
    __shared__ unsigned int As[BM][BK + 4]; // [m][k], padded: fragment reads hit 32 distinct banks
    __shared__ unsigned int Bs[BK][BN + 8]; // [k][n]
    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    int g = lane >> 2, t = lane & 3;
    int wm = (warp >> 1) * 32, wn = (warp & 1) * 32;
    int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    for (int b = blockIdx.z; b < batches; b += gridDim.z) {
        const float* Ab = A + aOff[b];
        const float* Bb = B + bOff[b];
        float c[2][4][4] = {};
        for (int k0 = 0; k0 < K; k0 += BK) {
            for (int r = 0; r < 8; ++r) {
                int idx = tid + 128 * r;
                int row = idx / BK, kk = idx % BK, gm = m0 + row, gk = k0 + kk;
                As[row][kk] = to_tf32((gm < M && gk < K) ? Ab[(long long)gm * rsA + (long long)gk * csA] : 0.f);
                int kb = idx / BN, col = idx % BN, gn = n0 + col, gkb = k0 + kb;
                Bs[kb][col] = to_tf32((gkb < K && gn < N) ? Bb[(long long)gkb * rsB + (long long)gn * csB] : 0.f);
            }
            __syncthreads();
#pragma unroll
            for (int ks = 0; ks < BK; ks += 8) {
                unsigned int af[2][4], bf[4][2];
                for (int mi = 0; mi < 2; ++mi) {
                    int r = wm + mi * 16 + g;
                    af[mi][0] = As[r][ks + t];
                    af[mi][1] = As[r + 8][ks + t];
                    af[mi][2] = As[r][ks + t + 4];
                    af[mi][3] = As[r + 8][ks + t + 4];
                }
                for (int ni = 0; ni < 4; ++ni) {
                    int col = wn + ni * 8 + g;
                    bf[ni][0] = Bs[ks + t][col];
                    bf[ni][1] = Bs[ks + t + 4][col];
                }
                for (int mi = 0; mi < 2; ++mi)
                    for (int ni = 0; ni < 4; ++ni) mma_tf32(c[mi][ni], af[mi], bf[ni]);
            }
            __syncthreads();
        }
        store_warp_tile(c, C + (long long)b * M * N, M, N, m0 + wm, n0 + wn, g, t);
    }
}

#define BK16 32
// grid (ceil(N/64), ceil(M/64), min(batches, 65535)), block 128. Inputs are rounded to BF16 on load.
extern "C" __global__ void __launch_bounds__(128) gemm_bf16_mma(int M, int N, int K, int batches, const float* A, const int* aOff,
                                                                int rsA, int csA, const float* B, const int* bOff, int rsB,
                                                                int csB, float* C) {
    __shared__ __align__(16) __nv_bfloat16 As[BM][BK16 + 8]; // [m][k]
    __shared__ __align__(16) __nv_bfloat16 Bs[BN][BK16 + 8]; // [n][k]: a B fragment register holds two k's of one n
    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    int g = lane >> 2, t = lane & 3;
    int wm = (warp >> 1) * 32, wn = (warp & 1) * 32;
    int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    for (int b = blockIdx.z; b < batches; b += gridDim.z) {
        const float* Ab = A + aOff[b];
        const float* Bb = B + bOff[b];
        float c[2][4][4] = {};
        for (int k0 = 0; k0 < K; k0 += BK16) {
            for (int r = 0; r < 16; ++r) {
                int idx = tid + 128 * r;
                int row = idx / BK16, kk = idx % BK16, gm = m0 + row, gk = k0 + kk;
                As[row][kk] = __float2bfloat16_rn((gm < M && gk < K) ? Ab[(long long)gm * rsA + (long long)gk * csA] : 0.f);
                int kb = idx / BN, col = idx % BN, gn = n0 + col, gkb = k0 + kb;
                Bs[col][kb] = __float2bfloat16_rn((gkb < K && gn < N) ? Bb[(long long)gkb * rsB + (long long)gn * csB] : 0.f);
            }
            __syncthreads();
#pragma unroll
            for (int ks = 0; ks < BK16; ks += 16) {
                unsigned int af[2][4], bf[4][2];
                for (int mi = 0; mi < 2; ++mi) {
                    int r = wm + mi * 16 + g;
                    af[mi][0] = *reinterpret_cast<const unsigned int*>(&As[r][ks + 2 * t]);
                    af[mi][1] = *reinterpret_cast<const unsigned int*>(&As[r + 8][ks + 2 * t]);
                    af[mi][2] = *reinterpret_cast<const unsigned int*>(&As[r][ks + 2 * t + 8]);
                    af[mi][3] = *reinterpret_cast<const unsigned int*>(&As[r + 8][ks + 2 * t + 8]);
                }
                for (int ni = 0; ni < 4; ++ni) {
                    int col = wn + ni * 8 + g;
                    bf[ni][0] = *reinterpret_cast<const unsigned int*>(&Bs[col][ks + 2 * t]);
                    bf[ni][1] = *reinterpret_cast<const unsigned int*>(&Bs[col][ks + 2 * t + 8]);
                }
                for (int mi = 0; mi < 2; ++mi)
                    for (int ni = 0; ni < 4; ++ni) mma_bf16(c[mi][ni], af[mi], bf[ni]);
            }
            __syncthreads();
        }
        store_warp_tile(c, C + (long long)b * M * N, M, N, m0 + wm, n0 + wn, g, t);
    }
}
