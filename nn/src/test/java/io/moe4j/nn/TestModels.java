package io.moe4j.nn;

import io.moe4j.autograd.Grad;
import io.moe4j.tensor.Backends;
import io.moe4j.tensor.Storage;
import io.moe4j.tensor.Tensor;
import java.util.Random;

/** Small models with weights large enough that every nonlinearity matters in a comparison. */
final class TestModels {
    private TestModels() {}

    /** dim 8, F 12, 2 layers, 4 query heads over 2 kv heads (D 2), V 11, max T 8. */
    static LlamaConfig tiny(boolean tied) {
        return new LlamaConfig(8, 12, 2, 4, 2, 11, 8, 1e-5, 10000.0, tied);
    }

    /** Matrices N(0, std²), norm scales 1 + N(0, 0.1²). */
    static void fill(Module m, double std, long seed) {
        Random r = new Random(seed);
        for (Param p : m.namedParams().values()) {
            Tensor t = p.data();
            Storage s = t.storage();
            for (int k = 0; k < t.numel(); k++)
                s.set(t.offset() + k, t.rank() >= 2 ? r.nextGaussian() * std : 1 + 0.1 * r.nextGaussian());
        }
    }

    /** Logits [B·T·V] of a forward without recording a graph. */
    @SuppressWarnings("try")
    static float[] logits(LlamaModel m, int[][] tokens) {
        try (Backends.Scope s = Grad.noGrad()) {
            return m.forward(tokens).data().toFloatArray();
        }
    }

    static int[][] tokens(long seed, int b, int t, int vocab) {
        Random r = new Random(seed);
        int[][] out = new int[b][t];
        for (int[] row : out) for (int j = 0; j < t; j++) row[j] = r.nextInt(vocab);
        return out;
    }
}
