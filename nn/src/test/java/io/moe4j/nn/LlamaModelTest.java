package io.moe4j.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.autograd.GradCheck;
import io.moe4j.autograd.Var;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LlamaModelTest {
    static final int IGNORE = -100;

    // ---------------------------------------------------------------- gradients

    /** A 2-layer GQA model in float64: d(loss)/d(every parameter) matches finite differences. */
    @Test
    void lossGradCheckOverAllParameters() {
        for (boolean tied : new boolean[] {false, true}) {
            LlamaModel m = new LlamaModel(TestModels.tiny(tied), DType.F64);
            TestModels.fill(m, 0.5, 7);
            int[][] tokens = TestModels.tokens(1, 2, 6, 11), targets = TestModels.tokens(2, 2, 6, 11);
            targets[0][2] = IGNORE;
            targets[1][5] = IGNORE;
            List<Var> ps = m.parameters();
            Tensor[] inputs = ps.stream().map(Var::data).toArray(Tensor[]::new);
            GradCheck.Report r = GradCheck.check("llama loss tied=" + tied, GradCheck.Options.defaults().withMaxElements(24),
                    v -> {
                        m.bindParameters(Arrays.asList(v));
                        return m.loss(tokens, targets, IGNORE);
                    }, inputs);
            assertEquals(expectedChecked(inputs, 24), r.checked(), "every parameter was checked");
            assertTrue(r.functions().containsAll(Set.of("AttentionFn", "RopeFn", "RmsNormFn", "SwiGluFn", "LinearCrossEntropyFn", "LinearFn")),
                    r.functions().toString());
        }
    }

    private static int expectedChecked(Tensor[] inputs, int max) {
        int n = 0;
        for (Tensor t : inputs) n += Math.min(max, t.numel());
        return n;
    }

    // ---------------------------------------------------------------- decode path

    @Test
    void kvCacheDecodeMatchesTheFullForward() {
        for (boolean tied : new boolean[] {false, true}) {
            LlamaModel m = new LlamaModel(TestModels.tiny(tied), DType.F32);
            TestModels.fill(m, 0.4, 11);
            int[] seq = TestModels.tokens(3, 1, 8, 11)[0];
            float[] full = TestModels.logits(m, new int[][] {seq});
            KvCache cache = m.newKvCache();
            for (int pos = 0; pos < seq.length; pos++) {
                float[] step = m.forwardToken(seq[pos], pos, cache);
                for (int i = 0; i < 11; i++)
                    assertEquals(full[pos * 11 + i], step[i], 2e-5 * Math.max(1, Math.abs(full[pos * 11 + i])),
                            "tied=" + tied + " pos " + pos + " logit " + i);
            }
        }
    }

    @Test
    void largerDecodeMatchesTheFullForward() {
        // dim 64 and F 160 take the vector matvec path (4-row blocks plus leftover rows and columns)
        LlamaConfig c = new LlamaConfig(64, 166, 2, 8, 2, 203, 40, 1e-5, 10000.0, false);
        LlamaModel m = new LlamaModel(c, DType.F32);
        TestModels.fill(m, 0.15, 5);
        int[] seq = TestModels.tokens(4, 1, 40, 203)[0];
        float[] full = TestModels.logits(m, new int[][] {seq});
        KvCache cache = m.newKvCache();
        double worst = 0;
        for (int pos = 0; pos < seq.length; pos++) {
            float[] step = m.forwardToken(seq[pos], pos, cache);
            for (int i = 0; i < 203; i++) worst = Math.max(worst, Math.abs(full[pos * 203 + i] - step[i]) / Math.max(1, Math.abs(full[pos * 203 + i])));
        }
        assertTrue(worst < 1e-4, "worst relative logit difference " + worst);
    }

    // ---------------------------------------------------------------- loss

    @Test
    void lossIsTheMeanNegativeLogLikelihoodOfTheLogits() {
        LlamaModel m = new LlamaModel(TestModels.tiny(false), DType.F64);
        TestModels.fill(m, 0.5, 3);
        int[][] tokens = TestModels.tokens(5, 2, 7, 11), targets = TestModels.tokens(6, 2, 7, 11);
        targets[1][0] = IGNORE;
        double[] logits = m.forward(tokens).data().toDoubleArray();
        double sum = 0;
        int n = 0;
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 7; t++) {
                if (targets[b][t] == IGNORE) continue;
                int o = (b * 7 + t) * 11;
                double mx = Double.NEGATIVE_INFINITY, z = 0;
                for (int i = 0; i < 11; i++) mx = Math.max(mx, logits[o + i]);
                for (int i = 0; i < 11; i++) z += Math.exp(logits[o + i] - mx);
                sum += mx + Math.log(z) - logits[o + targets[b][t]];
                n++;
            }
        assertEquals(sum / n, m.loss(tokens, targets, IGNORE).data().item(), 1e-12);
    }

    @Test
    void badInputsGiveClearMessages() {
        LlamaModel m = new LlamaModel(TestModels.tiny(true), DType.F32);
        var e1 = assertThrows(IllegalArgumentException.class, () -> m.forward(new int[][] {{1, 11}}));
        assertTrue(e1.getMessage().contains("token id 11 at [0][1]"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> m.forward(new int[][] {new int[9]}));
        assertTrue(e2.getMessage().contains("exceeds max_seq_len 8"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> m.forward(new int[][] {{1, 2}, {3}}));
        assertTrue(e3.getMessage().contains("row 1 has length 1"), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class, () -> m.loss(new int[][] {{1, 2}}, new int[][] {{1, 12}}, IGNORE));
        assertTrue(e4.getMessage().contains("target id 12"), e4.getMessage());
        KvCache cache = m.newKvCache(4);
        var e5 = assertThrows(IllegalArgumentException.class, () -> m.forwardToken(1, 4, cache));
        assertTrue(e5.getMessage().contains("position 4"), e5.getMessage());
        LlamaModel f64 = new LlamaModel(TestModels.tiny(true), DType.F64);
        var e6 = assertThrows(IllegalStateException.class, () -> f64.forwardToken(1, 0, f64.newKvCache()));
        assertTrue(e6.getMessage().contains("F32"), e6.getMessage());
    }
}
