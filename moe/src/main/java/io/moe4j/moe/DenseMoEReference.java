package io.moe4j.moe;

import io.moe4j.autograd.Var;
import io.moe4j.moe.gatemath.TopK;
import io.moe4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The oracle for {@link MoeFfn}: token by token, expert by expert, with nothing but primitive
 * autograd ops (matmul on transposed views, tanh, silu, softmax, gather). No grouping, no index
 * add, no fused Functions, so it shares no dispatch code with the fast layer. Eval-mode routing
 * (no noise); the balance loss uses counts for the load, as LLaMA-MoE does without noise.
 */
public final class DenseMoEReference {
    private DenseMoEReference() {}

    /** Output [T, C] and the auxiliary loss (null when the layer has none). */
    public record Result(Var output, Var aux) {}

    public static Result forward(MoeFfn ffn, Var x) {
        MoeSpec spec = ffn.spec();
        TopKGate gate = ffn.gate();
        ExpertBank bank = ffn.experts();
        int t = x.shape()[0], n = spec.numExperts(), k = spec.topK();
        List<Var> rows = new ArrayList<>();
        List<List<Var>> perExpertScores = new ArrayList<>();
        for (int e = 0; e < n; e++) perExpertScores.add(new ArrayList<>());
        List<Var> probsRows = new ArrayList<>();
        int[] counts = new int[n];
        for (int i = 0; i < t; i++) {
            Var xi = x.narrow(0, i, 1); // [1, C]
            Var logits = xi.matmul(gate.w1().var().transpose(0, 1));
            if (gate.w2() != null) logits = logits.tanh().matmul(gate.w2().var().transpose(0, 1));
            int[] sel = TopK.indices(logits.data().toDoubleArray(), k);
            Var probs = logits.softmax(-1);
            probsRows.add(probs);
            Var scores = spec.gate() == GateType.SWITCH ? probs.gather(1, Tensor.ofInts(sel, 1, k))
                    : logits.gather(1, Tensor.ofInts(sel, 1, k)).softmax(-1);
            Var yi = null;
            for (int j = 0; j < k; j++) {
                int e = sel[j];
                counts[e]++;
                Var s = scores.narrow(1, j, 1); // [1, 1]
                perExpertScores.get(e).add(s);
                Var h = xi.matmul(bank.gate(e).var().transpose(0, 1)).silu().mul(xi.matmul(bank.up(e).var().transpose(0, 1)));
                Var ye = h.matmul(bank.down(e).var().transpose(0, 1)).mul(s).scale(spec.scale());
                yi = yi == null ? ye : yi.add(ye);
            }
            if (ffn.residual() != null) yi = yi.add(ffn.residual().referenceRow(xi));
            rows.add(yi);
        }
        Var out = Var.concat(rows, 0);
        return new Result(out, spec.balanceWeight() == 0 ? null : aux(spec, perExpertScores, probsRows, counts, t, x));
    }

    private static Var aux(MoeSpec spec, List<List<Var>> perExpert, List<Var> probsRows, int[] counts, int t, Var x) {
        int n = spec.numExperts();
        Tensor countT = Tensor.zeros(x.dtype(), n);
        for (int e = 0; e < n; e++) countT.storage().set(e, counts[e]);
        if (spec.gate() != GateType.TOP_K_NOISY) { // Switch-style: coef·N·Σ f_i·P_i
            Var p = Var.concat(probsRows, 0).mean(0, false);
            Tensor f = Tensor.zeros(x.dtype(), n);
            for (int e = 0; e < n; e++) f.storage().set(e, counts[e] / (double) (t * spec.topK()));
            return p.mul(Var.constant(f)).sum(0, false).scale(spec.balanceWeight() * n);
        }
        List<Var> imp = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            Var sum = Var.constant(Tensor.zeros(x.dtype(), 1, 1));
            for (Var s : perExpert.get(e)) sum = sum.add(s);
            imp.add(sum.reshape(1));
        }
        Var importance = Var.concat(imp, 0);
        return Cv2.of(importance).add(Cv2.of(Var.constant(countT))).scale(spec.balanceWeight()).reshape();
    }
}
