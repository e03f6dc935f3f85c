// Causal grouped-query attention, F32. q [B, Hq, T, D]; k, v [B, Hkv, T, D] with Hq a multiple of
// Hkv (query head h reads kv head h / (Hq / Hkv)); D <= 128. scale is usually 1 / sqrt(D).
#include "common.cuh"

#define AQ 64   // query rows per block (one per thread)
#define AK 32   // keys per shared-memory tile
#define DMAX 128

// Forward, tiled with an online softmax: each thread keeps its row's running max m, sum l and
// output accumulator o, and rescales them once per key tile. Writes out and lse = m + log(l).
// grid (ceil(T / AQ), B * Hq), block AQ.
extern "C" __global__ void __launch_bounds__(AQ) attn_fwd_f32(const float* q, const float* k, const float* v, float* out, float* lse,
                                                              int B, int Hq, int Hkv, int T, int D, float scale) {
    __shared__ float Ks[AK][DMAX];
    __shared__ float Vs[AK][DMAX];
    int bh = blockIdx.y, b = bh / Hq, h = bh % Hq, hk = h / (Hq / Hkv);
    int qi = blockIdx.x * AQ + threadIdx.x;
    const float* qb = q + ((long long)bh * T) * D;
    const float* kb = k + ((long long)(b * Hkv + hk) * T) * D;
    const float* vb = v + ((long long)(b * Hkv + hk) * T) * D;
    float qr[DMAX], o[DMAX], s[AK];
    bool live = qi < T;
    for (int d = 0; d < D; ++d) { qr[d] = live ? qb[(long long)qi * D + d] * scale : 0.f; o[d] = 0.f; }
    float m = -CUDART_INF_F, l = 0.f;
    int lastKey = min(T - 1, blockIdx.x * AQ + AQ - 1); // causal: no key past the block's last row
    for (int k0 = 0; k0 <= lastKey; k0 += AK) {
        __syncthreads();
        for (int idx = threadIdx.x; idx < AK * D; idx += AQ) {
            int j = idx / D, d = idx % D, kj = k0 + j;
            Ks[j][d] = kj < T ? kb[(long long)kj * D + d] : 0.f;
            Vs[j][d] = kj < T ? vb[(long long)kj * D + d] : 0.f;
        }
        __syncthreads();
        if (!live) continue;
        float tmax = -CUDART_INF_F;
        for (int j = 0; j < AK; ++j) {
            float dot = -CUDART_INF_F;
            if (k0 + j <= qi) {
                dot = 0.f;
                for (int d = 0; d < D; ++d) dot += qr[d] * Ks[j][d];
            }
            s[j] = dot;
            tmax = fmaxf(tmax, dot);
        }
        if (tmax == -CUDART_INF_F) continue; // every key of this tile is in the future
        float mNew = fmaxf(m, tmax), corr = expf(m - mNew);
        l *= corr;
        for (int d = 0; d < D; ++d) o[d] *= corr;
        for (int j = 0; j < AK; ++j) {
            if (s[j] == -CUDART_INF_F) continue;
            float p = expf(s[j] - mNew);
            l += p;
            for (int d = 0; d < D; ++d) o[d] += p * Vs[j][d];
        }
        m = mNew;
    }
    if (!live) return;
    float inv = 1.f / l;
    for (int d = 0; d < D; ++d) out[((long long)bh * T + qi) * D + d] = o[d] * inv;
    lse[(long long)bh * T + qi] = m + logf(l);
}

// delta[b, h, i] = sum_d dout * out (the softmax-backward row term).
extern "C" __global__ void attn_bwd_delta_f32(const float* out, const float* dout, float* delta, long long rows, int D) {
    for (long long r = global_index(); r < rows; r += global_stride()) {
        float acc = 0.f;
        for (int d = 0; d < D; ++d) acc += out[r * D + d] * dout[r * D + d];
        delta[r] = acc;
    }
}

// dq: one thread per query row, a loop over its visible keys. grid (ceil(T/128), B*Hq), block 128.
extern "C" __global__ void attn_bwd_dq_f32(const float* q, const float* k, const float* v, const float* dout, const float* lse,
                                           const float* delta, float* dq, int B, int Hq, int Hkv, int T, int D, float scale) {
    int bh = blockIdx.y, b = bh / Hq, h = bh % Hq, hk = h / (Hq / Hkv);
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= T) return;
    long long row = (long long)bh * T + i;
    const float* qi = q + row * D;
    const float* doi = dout + row * D;
    const float* kb = k + ((long long)(b * Hkv + hk) * T) * D;
    const float* vb = v + ((long long)(b * Hkv + hk) * T) * D;
    float acc[DMAX];
    for (int d = 0; d < D; ++d) acc[d] = 0.f;
    float L = lse[row], Di = delta[row];
    for (int j = 0; j <= i; ++j) {
        float sc = 0.f, dp = 0.f;
        for (int d = 0; d < D; ++d) { sc += qi[d] * kb[(long long)j * D + d]; dp += doi[d] * vb[(long long)j * D + d]; }
        float p = expf(sc * scale - L);
        float ds = p * (dp - Di) * scale;
        for (int d = 0; d < D; ++d) acc[d] += ds * kb[(long long)j * D + d];
    }
    for (int d = 0; d < D; ++d) dq[row * D + d] = acc[d];
}

// dk, dv: one thread per key row of a kv head, summing over the query heads of its group and the
// queries that see it (i >= j). grid (ceil(T/128), B*Hkv), block 128.
extern "C" __global__ void attn_bwd_dkdv_f32(const float* q, const float* k, const float* v, const float* dout, const float* lse,
                                             const float* delta, float* dk, float* dv, int B, int Hq, int Hkv, int T, int D,
                                             float scale) {
    int bhk = blockIdx.y, b = bhk / Hkv, hk = bhk % Hkv, group = Hq / Hkv;
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= T) return;
    long long krow = (long long)bhk * T + j;
    const float* kj = k + krow * D;
    const float* vj = v + krow * D;
    float ak[DMAX], av[DMAX];
    for (int d = 0; d < D; ++d) { ak[d] = 0.f; av[d] = 0.f; }
    for (int hh = 0; hh < group; ++hh) {
        long long qbase = (long long)(b * Hq + hk * group + hh) * T;
        for (int i = j; i < T; ++i) {
            const float* qi = q + (qbase + i) * D;
            const float* doi = dout + (qbase + i) * D;
            float sc = 0.f, dp = 0.f;
            for (int d = 0; d < D; ++d) { sc += qi[d] * kj[d]; dp += doi[d] * vj[d]; }
            float p = expf(sc * scale - lse[qbase + i]);
            float ds = p * (dp - delta[qbase + i]) * scale;
            for (int d = 0; d < D; ++d) { av[d] += p * doi[d]; ak[d] += ds * qi[d]; }
        }
    }
    for (int d = 0; d < D; ++d) { dk[krow * D + d] = ak[d]; dv[krow * D + d] = av[d]; }
}
