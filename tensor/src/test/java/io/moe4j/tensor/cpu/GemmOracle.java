package io.moe4j.tensor.cpu;

import java.util.Random;

/**
 * The test oracle for {@link Gemm}: a plain triple loop in double precision, plus a random problem generator
 * and the error bound the float results must meet. Shared by the in-process tests and by
 * {@link GemmWidthCheck}, which runs in a child JVM with another vector width.
 */
final class GemmOracle {
    /** One random problem, with its stored layouts (offsets, padded leading dimensions). */
    static final class Problem {
        final boolean transA, transB;
        final int M, N, K, offA, lda, offB, ldb, offC, ldc;
        final float alpha, beta;
        final float[] a, b, c0;

        /** Random A, B and C (in that order from rnd), rows padded by {@code pad}, at offsets off, off + 1, off + 2. */
        Problem(Random rnd, boolean transA, boolean transB, int M, int N, int K, float alpha, float beta, int pad, int off) {
            this(transA, transB, M, N, K, alpha,
                    fill(rnd, off + (transA ? K : M) * (Math.max(1, transA ? M : K) + pad) + off), off, Math.max(1, transA ? M : K) + pad,
                    fill(rnd, off + 1 + (transB ? N : K) * (Math.max(1, transB ? K : N) + pad) + off), off + 1, Math.max(1, transB ? K : N) + pad,
                    beta, fill(rnd, off + 2 + M * (Math.max(1, N) + pad) + off), off + 2, Math.max(1, N) + pad);
        }

        /** A problem over given arrays (C's initial values c0, kept). */
        Problem(boolean transA, boolean transB, int M, int N, int K, float alpha, float[] a, int offA, int lda, float[] b, int offB,
                int ldb, float beta, float[] c0, int offC, int ldc) {
            this.transA = transA;
            this.transB = transB;
            this.M = M;
            this.N = N;
            this.K = K;
            this.alpha = alpha;
            this.beta = beta;
            this.a = a;
            this.offA = offA;
            this.lda = lda;
            this.b = b;
            this.offB = offB;
            this.ldb = ldb;
            this.c0 = c0;
            this.offC = offC;
            this.ldc = ldc;
        }

        float[] freshC() {
            return c0.clone();
        }

        double opA(int i, int k) {
            return a[offA + (transA ? k * lda + i : i * lda + k)];
        }

        double opB(int k, int j) {
            return b[offB + (transB ? j * ldb + k : k * ldb + j)];
        }

        @Override
        public String toString() {
            return "M=" + M + " N=" + N + " K=" + K + " transA=" + transA + " transB=" + transB + " alpha=" + alpha
                    + " beta=" + beta + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc + " offA=" + offA;
        }
    }

    private GemmOracle() {}

    static float[] fill(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    /**
     * Checks {@code c} against the double-precision product. Bound per element, rigorous for any summation
     * order of K float FMAs plus the alpha and beta roundings:
     * {@code |err| <= (K + 2) * 2^-23 * (|alpha| * sum_k |a_ik * b_kj| + |beta * c_ij|)}, i.e. twice the
     * textbook {@code K * u} with {@code u = 2^-24}. Elements of C outside the M x N window must be untouched.
     *
     * @return null when all elements pass, else a description of the first failure
     */
    static String check(Problem p, float[] c) {
        for (int i = 0; i < p.M; i++) {
            for (int j = 0; j < p.N; j++) {
                double sum = 0, mag = 0;
                for (int k = 0; k < p.K; k++) {
                    double t = p.opA(i, k) * p.opB(k, j);
                    sum += t;
                    mag += Math.abs(t);
                }
                int o = p.offC + i * p.ldc + j;
                double cOld = p.beta == 0f ? 0 : p.c0[o];
                double ref = p.alpha * sum + p.beta * cOld;
                double tol = (p.K + 2) * 0x1p-23 * (Math.abs(p.alpha) * mag + Math.abs(p.beta * cOld));
                if (!(Math.abs(c[o] - ref) <= tol)) {
                    return p + ": C[" + i + "][" + j + "] = " + c[o] + ", expected " + ref + " +- " + tol;
                }
            }
        }
        for (int o = 0; o < c.length; o++) {
            int r = (o - p.offC) / p.ldc, q = (o - p.offC) % p.ldc;
            boolean inside = o >= p.offC && r < p.M && q < p.N;
            if (!inside && Float.floatToRawIntBits(c[o]) != Float.floatToRawIntBits(p.c0[o])) {
                return p + ": element " + o + " outside C was overwritten";
            }
        }
        return null;
    }
}
