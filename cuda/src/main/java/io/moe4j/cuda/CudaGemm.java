package io.moe4j.cuda;

import io.moe4j.cuda.DeviceScope.Dev;
import io.moe4j.tensor.Checks;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.Strided;
import io.moe4j.tensor.Tensor;
import java.util.Arrays;
import java.util.logging.Logger;
import jcuda.driver.CUdeviceptr;

/**
 * Batched matmul with broadcast batch axes. Our kernels read A and B through (row, column)
 * strides plus one element offset per batch entry, so transposed and expanded views are used
 * without copies. The cuBLAS path needs one unit stride per matrix and copies operands that
 * lack one. The path is chosen once at start-up and logged.
 */
final class CudaGemm {
    private static final Logger LOG = Logger.getLogger("io.moe4j.cuda");
    private final CudaBackend be;
    private final CudaContext ctx;
    private final CublasGemm cublas;
    private final String cublasReason;
    private final GemmPath path;

    CudaGemm(CudaBackend be) {
        this.be = be;
        this.ctx = be.ctx;
        CublasGemm c = null;
        String why;
        if (ctx.dryRun) {
            why = "cuBLAS not tried (dry run)";
        } else {
            try {
                c = new CublasGemm(ctx.stream);
                why = "cuBLAS " + c.version() + " loaded";
            } catch (LinkageError | RuntimeException e) {
                why = "cuBLAS unavailable (JCublas2 needs libcublas.so.12): " + e;
            }
        }
        cublas = c;
        cublasReason = why;
        GemmPath forced = GemmPath.parse(System.getProperty("moe4j.cuda.gemm"));
        GemmPath p = forced != null ? forced : cublas != null ? GemmPath.CUBLAS : GemmPath.FP32;
        if (p == GemmPath.CUBLAS && cublas == null) {
            LOG.warning("cuda GEMM: cuBLAS requested but " + cublasReason + "; using " + GemmPath.FP32.kernel);
            p = GemmPath.FP32;
        }
        path = p;
        if (!ctx.dryRun) LOG.info("cuda GEMM path: " + path.kernel + (forced != null ? " (forced by -Dmoe4j.cuda.gemm)" : "") + "; " + cublasReason);
    }

    GemmPath path() {
        return path;
    }

    boolean cublasAvailable() {
        return cublas != null;
    }

    String cublasReason() {
        return cublasReason;
    }

    /** a [..., M, K] @ b [..., K, N] on {@code p} (F64 always uses the double kernels). */
    Tensor matmul(Tensor a, Tensor b, GemmPath p) {
        if (p == GemmPath.CUBLAS && cublas == null) p = GemmPath.FP32;
        int[] outShape = Checks.matmulShape(a, b);
        int r = outShape.length;
        int m = outShape[r - 2], n = outShape[r - 1], k = a.size(-1);
        int[] batch = Arrays.copyOf(outShape, r - 2);
        if (Shape.numel(outShape) == 0) return Tensor.zeros(a.dtype(), outShape);
        Tensor ab = a.expand(withMatrix(batch, m, k)), bb = b.expand(withMatrix(batch, k, n));
        try (DeviceScope s = be.scope()) {
            Dev da = s.upload(ab), db = s.upload(bb), out = s.alloc(a.dtype(), outShape);
            if (p == GemmPath.CUBLAS) {
                cublasBatches(s, da, db, out, batch, m, n, k);
            } else {
                int[] aOff = batchOffsets(batch, da), bOff = batchOffsets(batch, db);
                int[] as = da.strides(), bs = db.strides();
                launch(a.dtype() == DType.F64 ? GemmPath.FP32 : p, a.dtype(), m, n, k, aOff.length, da.base(), s.ints(aOff), as[r - 2], as[r - 1],
                        db.base(), s.ints(bOff), bs[r - 2], bs[r - 1], out.base());
            }
            return s.download(out);
        }
    }

    /** Queues one of our GEMM kernels on device pointers (also used by the benchmark). */
    void launch(GemmPath p, DType dt, int m, int n, int k, int batches, CUdeviceptr a, CUdeviceptr aOff, int rsA, int csA,
                CUdeviceptr b, CUdeviceptr bOff, int rsB, int csB, CUdeviceptr c) {
        String fn = dt == DType.F64 ? "gemm_tiled_f64" : p.kernel;
        ctx.launch(fn, ceilDiv(n, 64), ceilDiv(m, 64), Math.min(batches, Layout.MAX_BLOCKS), p.threads(), 0,
                m, n, k, batches, a, aOff, rsA, csA, b, bOff, rsB, csB, c);
    }

    /** One row-major contiguous C = A B through cuBLAS on device pointers (benchmark use). */
    void cublasDevice(int m, int n, int k, CUdeviceptr a, CUdeviceptr b, CUdeviceptr c) {
        cublas.gemm(false, m, n, k, a, false, k, b, false, n, c);
    }

    /** Element offset of each batch matrix of a device view, in row-major batch order. */
    static int[] batchOffsets(int[] batch, Dev d) {
        return Strided.offsets(batch, Arrays.copyOf(d.strides(), batch.length), d.offset());
    }

    static int[] withMatrix(int[] batch, int x, int y) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = x;
        s[batch.length + 1] = y;
        return s;
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * How cuBLAS can read a rows x cols matrix with strides (rs, cs): {transposed ? 1 : 0, ld},
     * or null when neither stride is 1 with a valid leading dimension (the caller copies it).
     */
    static int[] blasLayout(int rows, int cols, int rs, int cs) {
        if (cs == 1 && rs >= Math.max(1, cols)) return new int[] {0, rs};
        if (rs == 1 && cs >= Math.max(1, rows)) return new int[] {1, cs};
        if (rows == 1 && cs == 1) return new int[] {0, Math.max(1, cols)}; // one row: ld is never used to step
        if (cols == 1 && rs == 1) return new int[] {1, Math.max(1, rows)};
        return null;
    }

    private void cublasBatches(DeviceScope s, Dev da, Dev db, Dev out, int[] batch, int m, int n, int k) {
        int r = da.shape().length;
        int[] la = blasLayout(m, k, da.strides()[r - 2], da.strides()[r - 1]);
        if (la == null) {
            da = s.copyOf(da);
            la = new int[] {0, k};
        }
        int[] lb = blasLayout(k, n, db.strides()[r - 2], db.strides()[r - 1]);
        if (lb == null) {
            db = s.copyOf(db);
            lb = new int[] {0, n};
        }
        int[] aOff = batchOffsets(batch, da), bOff = batchOffsets(batch, db);
        int eb = Layout.elemBytes(out.dtype());
        boolean f64 = out.dtype() == DType.F64;
        for (int i = 0; i < aOff.length; i++)
            cublas.gemm(f64, m, n, k, da.base().withByteOffset((long) aOff[i] * eb), la[0] == 1, la[1],
                    db.base().withByteOffset((long) bOff[i] * eb), lb[0] == 1, lb[1], out.base().withByteOffset((long) i * m * n * eb));
    }
}
