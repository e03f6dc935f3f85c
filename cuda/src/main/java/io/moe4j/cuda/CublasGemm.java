package io.moe4j.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

/**
 * cuBLAS through JCublas2. Only constructed after the probe found a device; construction fails
 * with a LinkageError where libcublas.so.12 is missing (CUDA 13 hosts), and the caller then
 * stays on our own kernels. Row-major C = A B is computed as column-major C^T = B^T A^T.
 */
final class CublasGemm {
    private final cublasHandle handle = new cublasHandle();
    private final int version;

    CublasGemm(CUstream stream) {
        JCublas2.setExceptionsEnabled(true);
        JCublas2.cublasCreate(handle);
        JCublas2.cublasSetStream(handle, new cudaStream_t(stream));
        int[] v = {0};
        JCublas2.cublasGetVersion(handle, v);
        version = v[0];
    }

    int version() {
        return version;
    }

    /**
     * One row-major product on the device. {@code transA}: A is stored column-major (its row
     * stride is 1) with leading dimension {@code lda}; likewise B.
     */
    void gemm(boolean f64, int m, int n, int k, CUdeviceptr a, boolean transA, int lda, CUdeviceptr b, boolean transB, int ldb,
              CUdeviceptr c) {
        int opA = transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        int opB = transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        if (f64) {
            JCublas2.cublasDgemm(handle, opB, opA, n, m, k, Pointer.to(new double[] {1}), b, ldb, a, lda, Pointer.to(new double[] {0}), c, n);
        } else {
            JCublas2.cublasSgemm(handle, opB, opA, n, m, k, Pointer.to(new float[] {1}), b, ldb, a, lda, Pointer.to(new float[] {0}), c, n);
        }
    }
}
