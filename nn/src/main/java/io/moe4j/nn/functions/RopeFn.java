package io.moe4j.nn.functions;

import io.moe4j.autograd.Function;
import io.moe4j.autograd.Var;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.cpu.Parallel;

/**
 * Rotary position embedding in the interleaved (Meta / llama2.c) layout on x [B, T, H, D]: within
 * each head the pair (x[2i], x[2i+1]) at position p = pos0 + t is rotated by the angle p·θᵢ:
 * y[2i] = x[2i]·cos − x[2i+1]·sin, y[2i+1] = x[2i]·sin + x[2i+1]·cos.
 *
 * <p>A rotation is orthogonal, so the backward pass is the rotation by −p·θᵢ applied to the
 * gradient. The tables are row-major [maxPos, D/2] (see {@code io.moe4j.nn.Rope}).
 */
public final class RopeFn extends Function {
    private final double[] cos, sin;
    private final int pos0;

    public RopeFn(double[] cos, double[] sin, int pos0) {
        if (cos.length != sin.length) throw new IllegalArgumentException("rope: cos and sin tables differ in length");
        if (pos0 < 0) throw new IllegalArgumentException("rope: start position must be >= 0, got " + pos0);
        this.cos = cos;
        this.sin = sin;
        this.pos0 = pos0;
    }

    /** x [B, T, H, D] -> [B, T, H, D], positions pos0 .. pos0+T-1. */
    public static Var apply(Var x, double[] cos, double[] sin, int pos0) {
        return Function.apply(new RopeFn(cos, sin, pos0), x);
    }

    @Override
    protected Tensor forward(Tensor... in) {
        Tensor x = in[0].contiguous();
        Rows.sameFloating("rope", x);
        if (x.rank() != 4 || x.size(3) % 2 != 0)
            throw ShapeException.of("rope", "expects [B, T, H, D] with even D", x.shape());
        int half = x.size(3) / 2, maxPos = cos.length / Math.max(1, half);
        if (cos.length % half != 0 || pos0 + x.size(1) > maxPos)
            throw ShapeException.of("rope", "positions " + pos0 + ".." + (pos0 + x.size(1) - 1) + " exceed the tables' "
                    + maxPos + " positions (max_seq_len) for head dim " + x.size(3), x.shape());
        return rotate(x, 1);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        return new Tensor[] {rotate(g.contiguous(), -1)};
    }

    /** Rotates every pair by sign·p·θᵢ. */
    private Tensor rotate(Tensor x, int sign) {
        int b = x.size(0), t = x.size(1), h = x.size(2), d = x.size(3), half = d / 2, row = h * d;
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        Parallel.forRange(b * t, Rows.minRows(row), (r0, r1) -> {
            double[] xr = new double[row];
            for (int r = r0; r < r1; r++) {
                Rows.load(x.storage(), x.offset() + r * row, xr, 0, row);
                int tab = (pos0 + r % t) * half;
                for (int head = 0; head < h; head++) {
                    int o = head * d;
                    for (int i = 0; i < half; i++) {
                        double c = cos[tab + i], s = sign * sin[tab + i];
                        double x0 = xr[o + 2 * i], x1 = xr[o + 2 * i + 1];
                        xr[o + 2 * i] = x0 * c - x1 * s;
                        xr[o + 2 * i + 1] = x0 * s + x1 * c;
                    }
                }
                Rows.store(xr, 0, out.storage(), r * row, row);
            }
        });
        return out;
    }
}
