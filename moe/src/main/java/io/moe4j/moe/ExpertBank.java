package io.moe4j.moe;

import io.moe4j.autograd.Var;
import io.moe4j.nn.Module;
import io.moe4j.nn.Param;
import io.moe4j.nn.functions.LinearFn;
import io.moe4j.nn.functions.SwiGluFn;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;

/**
 * N SwiGLU experts E_j(x) = D_j·(SiLU(G_j·x) ⊙ U_j·x) with LLaMA-MoE's names
 * {@code weight_gate.j} [m_j, C], {@code weight_up.j} [m_j, C], {@code weight_down.j} [C, m_j]
 * (METHOD.md §9.1, no {@code .weight} suffix). All gate slices are registered first, then all up,
 * then all down, so in the model's flat parameter buffer each projection's experts lie stacked
 * back to back. A bank starts with each expert's gate and up rows in one block, so the fused layer reads them as one
 * [2·m_j, C] matrix without stacking them (a {@link io.moe4j.nn.ParameterBuffer} then moves them apart).
 */
public final class ExpertBank extends Module {
    private final int dim;
    private final int[] sizes;
    private final Param[] gate, up, down;

    public ExpertBank(int dim, int[] sizes, DType dtype, long seed) {
        this.dim = dim;
        this.sizes = sizes.clone();
        int n = sizes.length;
        gate = new Param[n];
        up = new Param[n];
        down = new Param[n];
        Tensor[] pairs = new Tensor[n]; // expert j's gate and up rows in one [2·m_j, C] block, until a ParameterBuffer moves them
        for (int j = 0; j < n; j++) {
            pairs[j] = Tensor.randn(seed + 3L * j, dtype, 0.02, 2 * sizes[j], dim);
            io.moe4j.tensor.Backends.current().copyInto(pairs[j].narrow(0, sizes[j], sizes[j]), Tensor.randn(seed + 3L * j + 1, dtype, 0.02, sizes[j], dim));
        }
        for (int j = 0; j < n; j++) gate[j] = addParam("weight_gate." + j, pairs[j].narrow(0, 0, sizes[j]));
        for (int j = 0; j < n; j++) up[j] = addParam("weight_up." + j, pairs[j].narrow(0, sizes[j], sizes[j]));
        for (int j = 0; j < n; j++) down[j] = addParam("weight_down." + j, Tensor.randn(seed + 3L * j + 2, dtype, 0.02, dim, sizes[j]));
    }

    public int numExperts() { return sizes.length; }
    public int size(int j) { return sizes[j]; }
    public int[] sizes() { return sizes.clone(); }
    public int dim() { return dim; }
    public Param gate(int j) { return gate[j]; }
    public Param up(int j) { return up[j]; }
    public Param down(int j) { return down[j]; }

    /** E_j on the rows routed to it: x [n_j, C] -> [n_j, C]. */
    public Var forward(int j, Var x) {
        Var h = SwiGluFn.apply(LinearFn.apply(x, gate[j].var()), LinearFn.apply(x, up[j].var()));
        return LinearFn.apply(h, down[j].var());
    }
}
