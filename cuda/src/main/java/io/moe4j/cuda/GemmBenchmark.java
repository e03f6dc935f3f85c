package io.moe4j.cuda;

import io.moe4j.tensor.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import jcuda.driver.CUdeviceptr;

/**
 * GEMM throughput of every available path on device-resident operands (no host copies in the
 * timed region), timed with CUDA events, plus each path's error against the FP32 kernel.
 * Prints one line per (size, path) and a closing summary. Run by the GPU bundle:
 * {@code java -cp ... io.moe4j.cuda.GemmBenchmark [iters]}.
 */
public final class GemmBenchmark {
    private GemmBenchmark() {}

    /** M, N, K: squares, and LLaMA-7B-like MLP shapes with 4096 tokens. */
    static final int[][] SIZES = {{1024, 1024, 1024}, {2048, 2048, 2048}, {4096, 4096, 4096}, {4096, 11008, 4096}, {4096, 4096, 11008}};

    public static void main(String[] args) {
        int iters = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        if (!CudaProbe.available()) {
            System.out.println("gemm benchmark skipped: " + CudaProbe.reason());
            return;
        }
        CudaBackend be = CudaBackend.shared();
        System.out.println("device: " + CudaProbe.reason());
        System.out.println("default FP32 path: " + be.gemmPath() + "; " + be.gemm.cublasReason());
        List<GemmPath> paths = new ArrayList<>(List.of(GemmPath.FP32, GemmPath.TF32, GemmPath.BF16));
        if (be.gemm.cublasAvailable()) paths.add(GemmPath.CUBLAS);
        synchronized (be) {
            for (int[] s : SIZES) run(be, s[0], s[1], s[2], paths, iters);
        }
    }

    private static void run(CudaBackend be, int m, int n, int k, List<GemmPath> paths, int iters) {
        CudaContext ctx = be.ctx;
        ctx.makeCurrent();
        try (DeviceScope s = be.scope()) {
            Random r = new Random(1);
            float[] a = new float[m * k], b = new float[k * n];
            for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
            CUdeviceptr da = s.alloc(4L * a.length), db = s.alloc(4L * b.length), zero = s.ints(new int[] {0});
            ctx.upload(a, DType.F32, 0, a.length, da);
            ctx.upload(b, DType.F32, 0, b.length, db);
            float[] ref = null;
            for (GemmPath p : paths) {
                CUdeviceptr dc = s.alloc(4L * m * n);
                Runnable once = () -> {
                    if (p == GemmPath.CUBLAS) be.gemm.cublasDevice(m, n, k, da, db, dc);
                    else be.gemm.launch(p, DType.F32, m, n, k, 1, da, zero, k, 1, db, zero, n, 1, dc);
                };
                once.run(); // warm-up: JIT of the PTX, cuBLAS heuristics
                float ms = ctx.time(() -> {
                    for (int i = 0; i < iters; i++) once.run();
                }) / iters;
                float[] c = new float[m * n];
                ctx.download(dc, c, DType.F32, 0, c.length);
                if (ref == null) ref = c;
                double tflops = 2.0 * m * n * k / (ms * 1e-3) / 1e12;
                System.out.println(String.format(Locale.ROOT, "gemm path=%-6s M=%d N=%d K=%d  %.3f ms  %.1f TFLOP/s  max rel err vs fp32 %.2e",
                        p.name().toLowerCase(), m, n, k, ms, tflops, maxRelErr(ref, c)));
            }
        }
    }

    /** max |x - y| / max |x|: a scale-free error figure for a whole matrix. */
    static double maxRelErr(float[] ref, float[] x) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            num = Math.max(num, Math.abs(ref[i] - x[i]));
            den = Math.max(den, Math.abs(ref[i]));
        }
        return den == 0 ? num : num / den;
    }
}
