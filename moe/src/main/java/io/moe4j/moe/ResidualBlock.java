package io.moe4j.moe;

import io.moe4j.autograd.Var;
import io.moe4j.nn.KvCache;
import io.moe4j.nn.MatVec;
import io.moe4j.nn.Module;
import io.moe4j.nn.Param;
import io.moe4j.nn.functions.LinearFn;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;

/**
 * The always-on residual experts of Neuron-Sharing Inter (METHOD.md §3.7): every token runs all R
 * experts, weighted by a softmax over a zero-initialised linear gate (so each weight starts at
 * 1/R, exactly 1 when R = 1) and scaled by score_scale_factor_residual. Registered as
 * {@code residual_block} with {@code gate.weight} [R, C] and {@code experts.weight_*.j}
 * (moe4j's names; the residual variant's published names could not be checked).
 */
public final class ResidualBlock extends Module {
    private final int dim;
    private final double scale;
    private final Param gate;
    private final ExpertBank experts;

    public ResidualBlock(int dim, int[] sizes, double scale, DType dtype, long seed) {
        this.dim = dim;
        this.scale = scale;
        gate = addParam("gate.weight", Tensor.zeros(dtype, sizes.length, dim));
        experts = setModule("experts", new ExpertBank(dim, sizes, dtype, seed));
    }

    public ExpertBank experts() { return experts; }
    public Param gate() { return gate; }

    /** x [T, C] -> [T, C]. */
    public Var forward(Var x) {
        int r = experts.numExperts();
        Var w = LinearFn.apply(x, gate.var()).softmax(-1).scale(scale); // [T, R]
        Var out = null;
        for (int e = 0; e < r; e++) {
            Var y = experts.forward(e, x).mul(w.narrow(1, e, 1));
            out = out == null ? y : out.add(y);
        }
        return out;
    }

    int scratchSize() {
        int max = 0;
        for (int s : experts.sizes()) max = Math.max(max, s);
        return 2 * max + dim + experts.numExperts();
    }

    /** Adds the residual output of one token into out; s is scratch of {@link #scratchSize()} floats. */
    void addToken(float[] x, float[] out, float[] s, MatVec mv) {
        int r = experts.numExperts(), max = (scratchSize() - dim - r) / 2, yOff = 2 * max, wOff = yOff + dim;
        Tensor g = gate.data();
        mv.apply(g.storage().f, g.offset(), r, dim, x, 0, s, wOff);
        double m = Double.NEGATIVE_INFINITY, sum = 0;
        for (int e = 0; e < r; e++) m = Math.max(m, s[wOff + e]);
        for (int e = 0; e < r; e++) sum += Math.exp(s[wOff + e] - m);
        for (int e = 0; e < r; e++) {
            float w = (float) (Math.exp(s[wOff + e] - m) / sum * scale);
            MoeFfn.runExpert(experts, e, x, s, 0, yOff, mv);
            for (int c = 0; c < dim; c++) out[c] += w * s[yOff + c];
        }
    }

    /** Token-by-token oracle contribution for one row xi [1, C] (used by DenseMoEReference). */
    Var referenceRow(Var xi) {
        Var w = xi.matmul(gate.var().transpose(0, 1)).softmax(-1);
        Var out = null;
        for (int e = 0; e < experts.numExperts(); e++) {
            Var h = xi.matmul(experts.gate(e).var().transpose(0, 1)).silu().mul(xi.matmul(experts.up(e).var().transpose(0, 1)));
            Var y = h.matmul(experts.down(e).var().transpose(0, 1)).mul(w.narrow(1, e, 1)).scale(scale);
            out = out == null ? y : out.add(y);
        }
        return out;
    }
}
