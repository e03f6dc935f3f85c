package io.moe4j.cuda;

import static io.moe4j.cuda.GpuChecks.*;

import io.moe4j.tensor.ReferenceBackend;
import io.moe4j.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Each GEMM path against the reference on awkward sizes (tile edges, K not a multiple of the
 * k-step), batched, with transposed operands. Tolerances scale with sqrt(K) times the input
 * rounding: FP32 and cuBLAS 1e-5 / 1e-6 * K (cuBLAS may itself use TF32 only when asked, which we
 * never do); TF32 (10-bit mantissa) 1e-2 / 4e-3 * sqrt(K); BF16 (7-bit) 4e-2 / 3e-2 * sqrt(K).
 */
@Tag("gpu")
class CudaGemmGpuTest {
    static final int[][] SIZES = {{1, 1, 1}, {16, 8, 8}, {65, 63, 17}, {128, 256, 64}, {200, 130, 515}};

    void check(GemmPath p, double rtol, double atolPerSqrtK, double atolPerK) {
        CudaBackend be = backend();
        ReferenceBackend ref = new ReferenceBackend();
        for (int[] s : SIZES) {
            int m = s[0], n = s[1], k = s[2];
            Tensor a = randn(1, 3, m, k), bt = randn(2, 3, n, k);
            Tensor b = bt.transpose(-1, -2);
            double atol = atolPerSqrtK * Math.sqrt(k) + atolPerK * k;
            close(ref.matmul(a, b), be.gemm.matmul(a, b, p), rtol, atol, p + " " + m + "x" + n + "x" + k);
            Tensor at = randn(3, k, m).transpose(0, 1);
            close(ref.matmul(at, bt.select(0, 1).transpose(0, 1)), be.gemm.matmul(at, bt.select(0, 1).transpose(0, 1), p), rtol, atol,
                    p + " both transposed " + m + "x" + n + "x" + k);
        }
    }

    @Test
    void fp32Tiled() {
        check(GemmPath.FP32, 1e-5, 0, 1e-6);
    }

    @Test
    void tf32TensorCores() {
        check(GemmPath.TF32, 1e-2, 4e-3, 0);
    }

    @Test
    void bf16TensorCores() {
        check(GemmPath.BF16, 4e-2, 3e-2, 0);
    }

    @Test
    void cublasWhereItLoads() {
        CudaBackend be = backend();
        Assumptions.assumeTrue(be.gemm.cublasAvailable(), be.gemm.cublasReason());
        check(GemmPath.CUBLAS, 1e-5, 0, 1e-6);
    }
}
