package io.moe4j.nn;

import io.moe4j.autograd.Var;
import io.moe4j.nn.functions.SwiGluFn;
import io.moe4j.tensor.DType;

/**
 * LLaMA's dense FFN: down(silu(gate(x)) ⊙ up(x)) with gate_proj and up_proj [F, C] (llama2.c w1
 * and w3) and down_proj [C, F] (llama2.c w2).
 *
 * <p>{@link #retainHidden} keeps h = silu(gate x) ⊙ up x and its gradient after backward: the
 * gradient-based expert split scores neurons with h ⊙ ∂L/∂h (METHOD.md §3.4).
 */
public final class SwiGluFfn extends FeedForward {
    private final int dim, hidden;
    private final Linear gate, up, down;
    private boolean retainHidden;
    private Var lastHidden;

    public SwiGluFfn(int dim, int hidden, DType dtype) {
        this.dim = dim;
        this.hidden = hidden;
        gate = setModule("gate_proj", new Linear(dim, hidden, dtype));
        up = setModule("up_proj", new Linear(dim, hidden, dtype));
        down = setModule("down_proj", new Linear(hidden, dim, dtype));
    }

    public int dim() { return dim; }
    public int hidden() { return hidden; }
    public Linear gateProj() { return gate; }
    public Linear upProj() { return up; }
    public Linear downProj() { return down; }

    /** When on, each forward keeps h [B, T, F] (with retained gradient) for {@link #lastHidden()}. */
    public void retainHidden(boolean on) {
        retainHidden = on;
        if (!on) lastHidden = null;
    }

    /** h of the last forward (its {@code grad()} is filled by backward), or null when not retained. */
    public Var lastHidden() {
        return lastHidden;
    }

    @Override
    public Var forward(Var x) {
        Var h = SwiGluFn.apply(gate.forward(x), up.forward(x));
        if (retainHidden) lastHidden = h.requiresGrad() ? h.retainGrad() : h;
        return down.forward(h);
    }

    @Override
    public void forwardToken(float[] x, float[] out, KvCache cache) {
        float[] h = cache.ffnScratch();
        MatVec mv = cache.matVec();
        gate.forwardToken(x, 0, h, 0, mv);
        up.forwardToken(x, 0, h, hidden, mv);
        DecodeKernels.swiglu(h, hidden);
        down.forwardToken(h, 0, out, 0, mv);
    }

    @Override
    public int tokenScratchSize() {
        return 2 * hidden;
    }
}
