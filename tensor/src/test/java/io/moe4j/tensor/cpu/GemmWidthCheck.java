package io.moe4j.tensor.cpu;

import io.moe4j.tensor.cpu.GemmOracle.Problem;
import java.util.Random;

/**
 * Run in a child JVM by {@link GemmWidthTest} with another {@code -Dmoe4j.vector.bits}: checks the public
 * routing and the packed path at that width against the double oracle. Prints {@code bits=N ok} or the first
 * failure, and exits non-zero on failure.
 */
public final class GemmWidthCheck {
    private GemmWidthCheck() {}

    public static void main(String[] args) {
        Random rnd = new Random(3);
        int[] dims = {1, 5, 17, 40};
        for (int M : dims) {
            for (int N : dims) {
                for (int K : new int[] {1, 9, 70}) {
                    for (int t = 0; t < 4; t++) {
                        Problem p = new Problem(rnd, (t & 1) != 0, (t & 2) != 0, M, N, K, 0.5f, t == 3 ? 0f : 1f, 2, 1);
                        String err = check(p);
                        if (err != null) {
                            System.out.println("bits=" + SimdConfig.BITS + " FAILED " + err);
                            System.exit(1);
                        }
                    }
                }
            }
        }
        System.out.println("bits=" + SimdConfig.BITS + " ok");
    }

    private static String check(Problem p) {
        float[] c = p.freshC();
        Gemm.sgemm(p.transA, p.transB, p.M, p.N, p.K, p.alpha, p.a, p.offA, p.lda, p.b, p.offB, p.ldb, p.beta, c, p.offC, p.ldc);
        String err = GemmOracle.check(p, c);
        if (err != null || SimdConfig.SCALAR) {
            return err == null ? null : "sgemm: " + err;
        }
        c = p.freshC();
        Gemm.sgemmPacked(p.transA, p.transB, p.M, p.N, p.K, p.alpha, p.a, p.offA, p.lda, p.b, p.offB, p.ldb, p.beta,
                c, p.offC, p.ldc, 2, 1);
        err = GemmOracle.check(p, c);
        return err == null ? null : "packed: " + err;
    }
}
