package io.moe4j.autograd;

import io.moe4j.tensor.*;
import java.util.*;

/**
 * Finite-difference gradient check in float64 on the reference backend. The output is reduced to
 * a scalar with a fixed random projection L = Σ out ⊙ r, so every output element matters. For
 * each floating input, up to {@link Options#maxElements} elements (chosen at random) are
 * perturbed by ±eps and the central difference is compared with the analytic gradient:
 * |analytic − numeric| ≤ atol + rtol · max(|analytic|, |numeric|). I32 inputs are constants.
 */
public final class GradCheck {
    private GradCheck() {}

    /** Tolerances and sampling. The defaults suit float64 with smooth functions. */
    public record Options(double eps, double rtol, double atol, int maxElements, long seed) {
        public static Options defaults() {
            return new Options(1e-6, 1e-5, 1e-7, 48, 1234L);
        }

        public Options withMaxElements(int n) {
            return new Options(eps, rtol, atol, n, seed);
        }

        public Options withTolerance(double r, double a) {
            return new Options(eps, r, a, maxElements, seed);
        }
    }

    /** The outcome: the worst error seen and the Function keys the expression used. */
    public record Report(String name, int checked, double maxAbsError, Set<String> functions) {}

    public interface Expr {
        Var apply(Var[] inputs);
    }

    public static Report check(String name, Expr f, Tensor... inputs) {
        return check(name, Options.defaults(), f, inputs);
    }

    /** Throws AssertionError naming the input, element and both values on the first mismatch. */
    public static Report check(String name, Options opt, Expr f, Tensor... inputs) {
        try (Backends.Scope s = Backends.use(new ReferenceBackend())) {
            Tensor[] xs = new Tensor[inputs.length];
            Var[] vars = new Var[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                xs[i] = inputs[i].dtype() == DType.I32 ? inputs[i] : inputs[i].to(DType.F64);
                vars[i] = xs[i].dtype() == DType.F64 ? Var.param(xs[i]) : Var.constant(xs[i]);
            }
            Set<String> used = Grad.startRecording();
            Var out;
            try {
                out = f.apply(vars);
            } finally {
                Grad.stopRecording();
            }
            Tensor r = Tensor.randn(opt.seed(), DType.F64, 1.0, out.shape());
            out.backward(r);
            Random rnd = new Random(opt.seed() + 1);
            int checked = 0;
            double worst = 0;
            for (int i = 0; i < xs.length; i++) {
                if (xs[i].dtype() != DType.F64) continue;
                Tensor analytic = vars[i].grad() == null ? Tensor.zeros(DType.F64, xs[i].shape()) : vars[i].grad();
                for (int e : sample(xs[i].numel(), opt.maxElements(), rnd)) {
                    double num = numeric(f, xs, i, e, r, opt.eps());
                    double ana = analytic.contiguous().storage().d[analytic.contiguous().offset() + e];
                    double err = Math.abs(ana - num);
                    worst = Math.max(worst, err);
                    checked++;
                    if (!(err <= opt.atol() + opt.rtol() * Math.max(Math.abs(ana), Math.abs(num))))
                        throw new AssertionError(String.format(
                                "%s: gradient of input %d %s at flat element %d: analytic %.10g, numeric %.10g (error %.3g)",
                                name, i, Shape.str(xs[i].shape()), e, ana, num, err));
                }
            }
            return new Report(name, checked, worst, used);
        }
    }

    private static double numeric(Expr f, Tensor[] xs, int i, int e, Tensor r, double eps) {
        double[] d = xs[i].storage().d; // inputs were converted to fresh contiguous F64 copies
        double orig = d[e];
        d[e] = orig + eps;
        double plus = projected(f, xs, r);
        d[e] = orig - eps;
        double minus = projected(f, xs, r);
        d[e] = orig;
        return (plus - minus) / (2 * eps);
    }

    private static double projected(Expr f, Tensor[] xs, Tensor r) {
        try (Backends.Scope s = Grad.noGrad()) {
            Var[] vs = new Var[xs.length];
            for (int k = 0; k < xs.length; k++) vs[k] = Var.constant(xs[k]);
            Tensor out = f.apply(vs).data();
            return Ops.sumAll(Ops.mul(out, r)).item();
        }
    }

    private static int[] sample(int n, int max, Random rnd) {
        if (n <= max) {
            int[] all = new int[n];
            for (int k = 0; k < n; k++) all[k] = k;
            return all;
        }
        Set<Integer> s = new TreeSet<>();
        while (s.size() < max) s.add(rnd.nextInt(n));
        return s.stream().mapToInt(Integer::intValue).toArray();
    }
}
