package io.moe4j.cuda;

/**
 * How an F32 matmul runs on the device. FP32 matches the reference backend to float rounding;
 * TF32 (10-bit mantissa inputs) and BF16 (8-bit) trade accuracy for tensor-core speed, so they
 * are opt-in: {@code -Dmoe4j.cuda.gemm=auto|cublas|fp32|tf32|bf16} (auto: cuBLAS where
 * JCublas2 loads, which needs libcublas.so.12, else FP32). F64 always takes FP32's tiled kernel
 * in double (or cuBLAS DGEMM on the cuBLAS path).
 */
public enum GemmPath {
    CUBLAS("gemm via cuBLAS (JCublas2)"),
    FP32("gemm_tiled_f32"),
    TF32("gemm_tf32_mma"),
    BF16("gemm_bf16_mma");

    /** Kernel name, or a description for cuBLAS. */
    public final String kernel;

    GemmPath(String kernel) {
        this.kernel = kernel;
    }

    /** Threads per block of the kernel: the tiled kernel uses 256 (4x4 per thread), the mma ones 4 warps. */
    int threads() {
        return this == FP32 ? 256 : 128;
    }

    /** Parses a -Dmoe4j.cuda.gemm value; null means "auto". */
    static GemmPath parse(String s) {
        if (s == null || s.isBlank() || s.equalsIgnoreCase("auto")) return null;
        for (GemmPath p : values()) if (p.name().equalsIgnoreCase(s.trim())) return p;
        throw new IllegalArgumentException("-Dmoe4j.cuda.gemm=" + s + ": expected auto, cublas, fp32, tf32 or bf16");
    }
}
