package io.moe4j.cuda;

import io.moe4j.tensor.Backends;
import io.moe4j.tensor.ReferenceBackend;
import io.moe4j.tensor.Tensor;

/**
 * A one-minute check that the backend starts on this machine: the probe, ServiceLoader
 * discovery, the GEMM path, and three ops against the reference. Exit status 0 when all agree,
 * 1 when an op disagrees, 2 when no GPU is usable (the reason is printed).
 */
public final class CudaSmoke {
    private CudaSmoke() {}

    public static void main(String[] args) {
        System.out.println("probe: available=" + CudaProbe.available() + " " + CudaProbe.reason());
        if (!CudaProbe.available()) System.exit(2);
        CudaBackend be = (CudaBackend) Backends.byName("cuda");
        System.out.println("backend: " + be.name() + ", gemm path " + be.gemmPath());
        ReferenceBackend ref = new ReferenceBackend();
        Tensor a = Tensor.randn(1, io.moe4j.tensor.DType.F32, 1, 37, 53), b = Tensor.randn(2, io.moe4j.tensor.DType.F32, 1, 53, 29);
        boolean ok = report("matmul", ref.matmul(a, b), be.matmul(a, b), 1e-4);
        ok &= report("softmax", ref.softmax(a, 1), be.softmax(a, 1), 1e-6);
        ok &= report("exp", ref.unary(io.moe4j.tensor.UnaryOp.EXP, a), be.unary(io.moe4j.tensor.UnaryOp.EXP, a), 1e-5);
        System.out.println("allocator: " + be.allocatorStats());
        System.out.println(ok ? "smoke: OK" : "smoke: FAILED");
        System.exit(ok ? 0 : 1);
    }

    private static boolean report(String op, Tensor want, Tensor got, double tol) {
        double[] w = want.toDoubleArray(), g = got.toDoubleArray();
        double err = 0;
        for (int i = 0; i < w.length; i++) err = Math.max(err, Math.abs(w[i] - g[i]) / (1 + Math.abs(w[i])));
        boolean ok = err <= tol && w.length == g.length;
        System.out.printf("%-8s max err %.2e (tol %.0e) %s%n", op, err, tol, ok ? "ok" : "MISMATCH");
        return ok;
    }
}
