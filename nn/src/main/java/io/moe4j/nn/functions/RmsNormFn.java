package io.moe4j.nn.functions;

import io.moe4j.autograd.Function;
import io.moe4j.autograd.Var;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.cpu.Parallel;

/**
 * RMSNorm, y = x · rstd · w with rstd = 1/sqrt(mean(x²) + eps), over the last axis of x [..., C]
 * with weight w [C]. Fused: one pass per row forward, one backward, where the composed version
 * needs about ten primitive ops and their temporaries.
 *
 * <p>Backward, per row with ĝ = g ⊙ w: dx = rstd · ĝ − x · rstd³ · (ĝ · x) / C, and
 * dw = Σ_rows g ⊙ x · rstd. The dw sum is taken over fixed blocks of rows and the block sums are
 * added in order, so the result does not depend on the thread count.
 */
public final class RmsNormFn extends Function {
    private static final int BLOCK = 64;
    private final double eps;
    private Tensor x, w;
    private double[] rstd;

    public RmsNormFn(double eps) {
        if (!(eps > 0)) throw new IllegalArgumentException("RMSNorm eps must be > 0, got " + eps);
        this.eps = eps;
    }

    /** x [..., C], w [C] -> [..., C]. */
    public static Var apply(Var x, Var w, double eps) {
        return Function.apply(new RmsNormFn(eps), x, w);
    }

    // ---------------------------------------------------------------- forward

    @Override
    protected Tensor forward(Tensor... in) {
        x = in[0].contiguous();
        w = in[1].contiguous();
        Rows.sameFloating("rmsnorm", x, w);
        int c = w.numel();
        if (w.rank() != 1 || x.rank() < 1 || x.size(-1) != c)
            throw ShapeException.of("rmsnorm", "x [..., C] needs weight [C]", x.shape(), w.shape());
        int n = x.numel() / Math.max(1, c);
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        rstd = new double[n];
        Parallel.forRange(n, Rows.minRows(c), (r0, r1) -> {
            double[] xr = new double[c], wr = new double[c];
            Rows.load(w.storage(), w.offset(), wr, 0, c);
            for (int r = r0; r < r1; r++) {
                Rows.load(x.storage(), x.offset() + r * c, xr, 0, c);
                double ss = 0;
                for (int k = 0; k < c; k++) ss += xr[k] * xr[k];
                double rs = 1.0 / Math.sqrt(ss / c + eps);
                rstd[r] = rs;
                for (int k = 0; k < c; k++) xr[k] = xr[k] * rs * wr[k];
                Rows.store(xr, 0, out.storage(), r * c, c);
            }
        });
        return out;
    }

    // ---------------------------------------------------------------- backward

    @Override
    protected Tensor[] backward(Tensor gOut) {
        Tensor g = gOut.contiguous();
        int c = w.numel(), n = rstd.length;
        int blocks = (n + BLOCK - 1) / BLOCK;
        Tensor gx = Tensor.zeros(x.dtype(), x.shape());
        double[] partial = new double[blocks * c]; // dw per block of rows, summed in block order below
        Parallel.forRange(blocks, Math.max(1, Rows.minRows(c) / BLOCK), (b0, b1) -> {
            double[] xr = new double[c], gr = new double[c], wr = new double[c], dx = new double[c];
            Rows.load(w.storage(), w.offset(), wr, 0, c);
            for (int b = b0; b < b1; b++) {
                for (int r = b * BLOCK; r < Math.min(n, (b + 1) * BLOCK); r++) {
                    Rows.load(x.storage(), x.offset() + r * c, xr, 0, c);
                    Rows.load(g.storage(), g.offset() + r * c, gr, 0, c);
                    double rs = rstd[r], dot = 0;
                    for (int k = 0; k < c; k++) {
                        dot += gr[k] * wr[k] * xr[k];
                        partial[b * c + k] += gr[k] * xr[k] * rs;
                    }
                    double coef = rs * rs * rs * dot / c;
                    for (int k = 0; k < c; k++) dx[k] = rs * gr[k] * wr[k] - coef * xr[k];
                    Rows.store(dx, 0, gx.storage(), r * c, c);
                }
            }
        });
        double[] dw = new double[c];
        for (int b = 0; b < blocks; b++) for (int k = 0; k < c; k++) dw[k] += partial[b * c + k];
        Tensor gw = Tensor.zeros(w.dtype(), c);
        Rows.store(dw, 0, gw.storage(), 0, c);
        return new Tensor[] {needs(0) ? gx : null, needs(1) ? gw : null};
    }
}
