package io.moe4j.nn.functions;

import io.moe4j.autograd.Function;
import io.moe4j.autograd.Var;
import io.moe4j.tensor.ShapeException;
import io.moe4j.tensor.Tensor;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.cpu.FloatMath;
import io.moe4j.tensor.cpu.Parallel;

/**
 * The SwiGLU gate, h = silu(a) ⊙ b with silu(a) = a·σ(a), where a = x·W_gateᵀ and b = x·W_upᵀ.
 * Fused so the [B, T, F] intermediates σ(a) and silu(a) are never stored: backward recomputes σ. F32 runs
 * {@link FloatMath}'s vector kernels; F64 (gradient checks) runs the same formulas in double loops.
 *
 * <p>da = g ⊙ b ⊙ σ(a)·(1 + a·(1 − σ(a))), db = g ⊙ silu(a).
 */
public final class SwiGluFn extends Function {
    private static final int BLOCK = 4096;
    private Tensor a, b;

    /** a, b of one shape -> silu(a) ⊙ b. */
    public static Var apply(Var a, Var b) {
        return Function.apply(new SwiGluFn(), a, b);
    }

    @Override
    protected Tensor forward(Tensor... in) {
        a = in[0].contiguous();
        b = in[1].contiguous();
        Rows.sameFloating("swiglu", a, b);
        if (!a.sameShape(b)) throw ShapeException.of("swiglu", "gate and up must have one shape", a.shape(), b.shape());
        Tensor out = Tensor.zeros(a.dtype(), a.shape());
        if (a.dtype() == DType.F32) { // FloatMath's vector kernel, in parallel blocks
            float[] x = a.storage().f, y = b.storage().f, o = out.storage().f;
            int ao = a.offset(), bo = b.offset();
            floatBlocks(a.numel(), (off, n) -> FloatMath.swiglu(x, ao + off, y, bo + off, o, off, n));
            return out;
        }
        blocks(a.numel(), (off, n, x, y, z) -> {
            for (int k = 0; k < n; k++) x[k] = x[k] / (1 + Math.exp(-x[k])) * y[k];
            Rows.store(x, 0, out.storage(), off, n);
        });
        return out;
    }

    @Override
    protected Tensor[] backward(Tensor gOut) {
        Tensor g = gOut.contiguous();
        Tensor ga = Tensor.zeros(a.dtype(), a.shape()), gb = Tensor.zeros(a.dtype(), a.shape());
        if (a.dtype() == DType.F32) {
            float[] gf = g.storage().f, x = a.storage().f, y = b.storage().f, oa = ga.storage().f, ob = gb.storage().f;
            int go = g.offset(), ao = a.offset(), bo = b.offset();
            floatBlocks(a.numel(), (off, n) -> FloatMath.swigluBackward(gf, go + off, x, ao + off, y, bo + off, oa, off, ob, off, n));
            return new Tensor[] {needs(0) ? fresh(ga) : null, needs(1) ? fresh(gb) : null};
        }
        blocks(a.numel(), (off, n, x, y, gr) -> {
            Rows.load(g.storage(), g.offset() + off, gr, 0, n);
            for (int k = 0; k < n; k++) {
                double s = 1 / (1 + Math.exp(-x[k]));
                double da = gr[k] * y[k] * s * (1 + x[k] * (1 - s));
                y[k] = gr[k] * x[k] * s; // db, written over b's scratch
                x[k] = da;
            }
            Rows.store(x, 0, ga.storage(), off, n);
            Rows.store(y, 0, gb.storage(), off, n);
        });
        return new Tensor[] {needs(0) ? fresh(ga) : null, needs(1) ? fresh(gb) : null};
    }

    private interface FloatBlock {
        void run(int off, int n);
    }

    /** Runs {@code body} over [0, total) in fixed blocks, in parallel; every element's arithmetic is its own. */
    private static void floatBlocks(int total, FloatBlock body) {
        int nb = (total + BLOCK - 1) / BLOCK;
        Parallel.forRange(nb, 4, (b0, b1) -> {
            for (int blk = b0; blk < b1; blk++) body.run(blk * BLOCK, Math.min(BLOCK, total - blk * BLOCK));
        });
    }

    private interface Block {
        void run(int off, int n, double[] a, double[] b, double[] scratch);
    }

    /** Runs {@code body} over [0, total) in blocks with a and b loaded into double scratch
     * (plus a third scratch block for the body's own use). */
    private void blocks(int total, Block body) {
        int nb = (total + BLOCK - 1) / BLOCK;
        Parallel.forRange(nb, 4, (b0, b1) -> {
            double[] x = new double[BLOCK], y = new double[BLOCK], z = new double[BLOCK];
            for (int blk = b0; blk < b1; blk++) {
                int off = blk * BLOCK, n = Math.min(BLOCK, total - off);
                Rows.load(a.storage(), a.offset() + off, x, 0, n);
                Rows.load(b.storage(), b.offset() + off, y, 0, n);
                body.run(off, n, x, y, z);
            }
        });
    }
}
