// Fused F32 kernels for the LLaMA block and the optimiser. All tensors contiguous.
#include "common.cuh"

// ---------------------------------------------------------------- RMSNorm
// x [rows, C], w [C] -> y = x * rstd * w, rstd [rows] = 1 / sqrt(mean(x^2) + eps).
// One block per row (blockDim multiple of 32).
extern "C" __global__ void rmsnorm_fwd_f32(const float* x, const float* w, float* y, float* rstd, int rows, int C, float eps) {
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + (long long)r * C;
        float ss = 0.f;
        for (int j = threadIdx.x; j < C; j += blockDim.x) ss += xr[j] * xr[j];
        ss = block_sum(ss);
        float rs = rsqrtf(ss / C + eps);
        if (threadIdx.x == 0) rstd[r] = rs;
        for (int j = threadIdx.x; j < C; j += blockDim.x) y[(long long)r * C + j] = xr[j] * rs * w[j];
    }
}

// dx = rstd * (w*dy) - x * rstd^3 / C * sum_j(w_j dy_j x_j); dw += dy * x * rstd (atomic over rows;
// dw must be zeroed by the caller).
extern "C" __global__ void rmsnorm_bwd_f32(const float* x, const float* w, const float* rstd, const float* dy, float* dx, float* dw,
                                           int rows, int C) {
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + (long long)r * C;
        const float* dyr = dy + (long long)r * C;
        float rs = rstd[r];
        float dot = 0.f;
        for (int j = threadIdx.x; j < C; j += blockDim.x) dot += w[j] * dyr[j] * xr[j];
        dot = block_sum(dot);
        float coef = rs * rs * rs * dot / C;
        for (int j = threadIdx.x; j < C; j += blockDim.x) {
            dx[(long long)r * C + j] = rs * w[j] * dyr[j] - xr[j] * coef;
            atomicAdd(dw + j, dyr[j] * xr[j] * rs);
        }
    }
}

// ---------------------------------------------------------------- RoPE (interleaved pairs)
// x [N, T, H, D] with pairs (2i, 2i+1) rotated by the angle whose cos/sin are tables [T, D/2].
// inverse = 1 rotates by the negative angle, which is the backward of the forward rotation.
extern "C" __global__ void rope_f32(const float* x, const float* cosT, const float* sinT, float* y, int N, int T, int H, int D,
                                    int inverse) {
    int half = D / 2;
    long long pairs = (long long)N * T * H * half;
    for (long long p = global_index(); p < pairs; p += global_stride()) {
        int i = (int)(p % half);
        long long row = p / half;           // (n, t, h)
        int t = (int)((row / H) % T);
        float c = cosT[t * half + i], s = sinT[t * half + i];
        if (inverse) s = -s;
        long long base = row * D + 2 * i;
        float x0 = x[base], x1 = x[base + 1];
        y[base] = x0 * c - x1 * s;
        y[base + 1] = x0 * s + x1 * c;
    }
}

// ---------------------------------------------------------------- SwiGLU
// out = silu(a) * b; da = dout * b * silu'(a), db = dout * silu(a).
__device__ __forceinline__ float sigm(float x) { return x >= 0.f ? 1.f / (1.f + expf(-x)) : expf(x) / (1.f + expf(x)); }

extern "C" __global__ void swiglu_fwd_f32(const float* a, const float* b, float* out, long long n) {
    for (long long e = global_index(); e < n; e += global_stride()) out[e] = a[e] * sigm(a[e]) * b[e];
}

extern "C" __global__ void swiglu_bwd_f32(const float* a, const float* b, const float* dout, float* da, float* db, long long n) {
    for (long long e = global_index(); e < n; e += global_stride()) {
        float s = sigm(a[e]), silu = a[e] * s;
        db[e] = dout[e] * silu;
        da[e] = dout[e] * b[e] * s * (1.f + a[e] * (1.f - s));
    }
}

// ---------------------------------------------------------------- softmax cross-entropy
// logits [N, V], targets [N] (negative = ignored). loss[r] = lse - logit[target] (0 when
// ignored), lse[r] saved for the backward. One block per row.
extern "C" __global__ void xent_fwd_f32(const float* logits, const int* targets, float* loss, float* lse, int N, int V) {
    for (int r = blockIdx.x; r < N; r += gridDim.x) {
        const float* l = logits + (long long)r * V;
        float m = -CUDART_INF_F;
        for (int j = threadIdx.x; j < V; j += blockDim.x) m = jmax(m, l[j]);
        m = block_max(m);
        float s = 0.f;
        for (int j = threadIdx.x; j < V; j += blockDim.x) s += expf(l[j] - m);
        s = block_sum(s);
        if (threadIdx.x == 0) {
            float ls = m + logf(s);
            int tg = targets[r];
            lse[r] = ls;
            loss[r] = tg < 0 ? 0.f : ls - l[tg];
        }
    }
}

// dlogits[r, j] = scale[r] * (softmax[r, j] - [j == target]), zero rows for ignored targets.
// scale is per row so the caller can fold in d(loss)/d(row loss) (e.g. 1 / valid rows).
extern "C" __global__ void xent_bwd_f32(const float* logits, const int* targets, const float* lse, const float* scale, float* dlogits,
                                        int N, int V) {
    long long total = (long long)N * V;
    for (long long e = global_index(); e < total; e += global_stride()) {
        int r = (int)(e / V), j = (int)(e - (long long)r * V);
        int tg = targets[r];
        dlogits[e] = tg < 0 ? 0.f : scale[r] * (expf(logits[e] - lse[r]) - (j == tg ? 1.f : 0.f));
    }
}

// ---------------------------------------------------------------- AdamW over flat buffers
// Decoupled weight decay: p -= lr * (wd * p + mhat / (sqrt(vhat) + eps)); the bias corrections
// bc1 = 1 - beta1^step, bc2 = 1 - beta2^step come from the host.
extern "C" __global__ void adamw_f32(float* p, const float* g, float* m, float* v, long long n, float lr, float beta1, float beta2,
                                     float eps, float wd, float bc1, float bc2) {
    for (long long e = global_index(); e < n; e += global_stride()) {
        float gi = g[e];
        float mi = beta1 * m[e] + (1.f - beta1) * gi;
        float vi = beta2 * v[e] + (1.f - beta2) * gi * gi;
        m[e] = mi;
        v[e] = vi;
        float mhat = mi / bc1, vhat = vi / bc2;
        p[e] -= lr * (wd * p[e] + mhat / (sqrtf(vhat) + eps));
    }
}

// ---------------------------------------------------------------- MoE dispatch
// out [N, C] += weight[s] * y[s, :] at row token[s] for every slot s of y [S, C] (atomic: many
// slots share a token).
extern "C" __global__ void moe_combine_f32(float* out, const float* y, const int* token, const float* weight, int S, int C) {
    long long total = (long long)S * C;
    for (long long e = global_index(); e < total; e += global_stride()) {
        int s = (int)(e / C), j = (int)(e - (long long)s * C);
        atomicAdd(out + (long long)token[s] * C + j, weight[s] * y[e]);
    }
}
