package io.moe4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;

/** Shared helpers of the GPU tests: the skip, tolerance comparison, and numeric gradients. */
final class GpuChecks {
    private GpuChecks() {}

    /** Skips the calling test, with the probe's reason, where no usable GPU is present. */
    static CudaBackend backend() {
        Assumptions.assumeTrue(CudaProbe.available(), CudaProbe.reason());
        return CudaBackend.shared();
    }

    /** |e - a| <= atol + rtol * |e| for every element (NaN matches NaN), shapes and dtypes equal. */
    static void close(Tensor expected, Tensor actual, double rtol, double atol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertEquals(expected.dtype(), actual.dtype(), what + ": dtype");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i]) && Double.isNaN(a[i])) continue;
            if (e[i] == a[i]) continue;
            double tol = atol + rtol * Math.abs(e[i]);
            if (!(Math.abs(e[i] - a[i]) <= tol))
                fail(what + ": element " + i + " expected " + e[i] + " got " + a[i] + " (tol " + tol + ")");
        }
    }

    /**
     * Central-difference gradient of a scalar function of x, evaluated in F64 (an oracle that
     * shares no code with the kernels under test).
     */
    static Tensor numericGrad(Function<Tensor, Double> f, Tensor x, double h) {
        Tensor x64 = x.to(DType.F64);
        double[] g = new double[x64.numel()];
        double[] data = x64.storage().d;
        for (int i = 0; i < g.length; i++) {
            double keep = data[i];
            data[i] = keep + h;
            double up = f.apply(x64);
            data[i] = keep - h;
            double down = f.apply(x64);
            data[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return Tensor.of(g, x.shape()).to(x.dtype());
    }

    static Tensor randn(long seed, int... shape) {
        return Tensor.randn(seed, DType.F32, 1, shape);
    }
}
