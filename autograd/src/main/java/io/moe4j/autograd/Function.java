package io.moe4j.autograd;

import io.moe4j.tensor.Tensor;

/**
 * One differentiable op: a forward/backward pair. {@link #apply} runs forward on the inputs' data
 * and, when any input needs a gradient (and grad mode is on), records this node on the tape.
 * Backward returns one gradient per input (null where not needed); the engine ADDS them into
 * whatever is already there. Both directions are written against {@code io.moe4j.tensor.Ops}, so
 * every backend inherits them.
 */
public abstract class Function {
    Var[] inputs;

    /** Computes the output from the inputs' data; may save what backward needs in fields. */
    protected abstract Tensor forward(Tensor... x);

    /** Gradients with respect to each input, given the gradient of the output. */
    protected abstract Tensor[] backward(Tensor gradOut);

    /** Gradients this node's backward allocated and handed over ({@link #fresh}); identity, not equality. */
    private java.util.Set<Tensor> fresh;

    /**
     * Marks {@code g}, a gradient that backward allocated itself and returns for one input only, as the engine's to
     * keep: later gradients of that input are then added into it in place rather than into a new sum, and a leaf
     * takes it as its gradient without a copy. Never mark gradOut, a view of it, a tensor this node keeps, or one
     * returned for two inputs. Returns {@code g}.
     */
    protected final Tensor fresh(Tensor g) {
        if (g != null) {
            if (fresh == null) fresh = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            fresh.add(g);
        }
        return g;
    }

    /** Set by the engine around backward: input i -> the gradient it holds and owns so far, else null. */
    java.util.function.IntFunction<Tensor> held;

    /**
     * The gradient the engine has gathered so far for input {@code i} from nodes that ran backward before this one,
     * when it is the engine's to change (a sum, or a gradient marked {@link #fresh}); else null. Only during
     * backward. A backward may add its own gradient for input i into it in place (a GEMM with beta = 1, say) and
     * return null for i, which spares a tensor and the engine's add.
     */
    protected final Tensor heldGrad(int i) {
        return held == null ? null : held.apply(i);
    }

    /** Whether backward marked {@code g} with {@link #fresh}. */
    final boolean isFresh(Tensor g) {
        return fresh != null && fresh.contains(g);
    }

    /** True when input {@code i} needs a gradient (lets backward skip work). */
    protected final boolean needs(int i) {
        return inputs != null && inputs[i].requiresGrad();
    }

    /** Identifies the op for gradient-check coverage; parameterised functions add their variant. */
    public String key() {
        return getClass().getSimpleName();
    }

    /** Runs {@code f} on the inputs and links the result into the graph. */
    public static Var apply(Function f, Var... in) {
        Tensor[] xs = new Tensor[in.length];
        boolean track = false;
        for (int i = 0; i < in.length; i++) {
            xs[i] = in[i].data();
            track |= in[i].requiresGrad();
        }
        track &= Grad.isEnabled();
        if (track) f.inputs = in;
        long t0 = OpProfile.on() ? System.nanoTime() : 0;
        Tensor out = f.forward(xs);
        if (t0 != 0) OpProfile.add(f.key(), false, System.nanoTime() - t0);
        Grad.record(f);
        return track ? new Var(out, f) : Var.constant(out);
    }
}
