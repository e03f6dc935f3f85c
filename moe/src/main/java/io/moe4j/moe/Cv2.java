package io.moe4j.moe;

import io.moe4j.autograd.Var;
import io.moe4j.moe.gatemath.BalanceLoss;
import io.moe4j.tensor.Tensor;

/**
 * cv²(v) = var(v) / (mean(v)² + 1e-10) with the unbiased (N−1) variance, as a composition of
 * autograd primitives (so it needs no backward of its own). cv² = 0 when N = 1.
 */
public final class Cv2 {
    private Cv2() {}

    /** v [N] -> [1]. */
    public static Var of(Var v) {
        int n = v.data().numel();
        if (n <= 1) return Var.constant(Tensor.zeros(v.dtype(), 1));
        Var mean = v.mean(0, true);
        Var var = v.sub(mean).square().sum(0, true).scale(1.0 / (n - 1));
        return var.div(mean.square().affine(1, BalanceLoss.CV_EPS));
    }
}
