package io.moe4j.autograd.functions;

import io.moe4j.autograd.Function;
import io.moe4j.tensor.Tensor;

/** Axis permutation (a view); the gradient is permuted by the inverse. */
public final class Permute extends Function {
    private final int[] perm;

    public Permute(int... perm) {
        this.perm = perm.clone();
    }

    @Override
    protected Tensor forward(Tensor... in) {
        return in[0].permute(perm);
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        int[] inv = new int[perm.length];
        for (int k = 0; k < perm.length; k++) inv[(perm[k] + perm.length) % perm.length] = k;
        return new Tensor[] {g.permute(inv)};
    }
}
