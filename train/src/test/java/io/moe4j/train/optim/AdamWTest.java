package io.moe4j.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moe4j.tensor.cpu.Parallel;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Masks (frozen, decayed), determinism across thread counts, state restore and argument checks. */
class AdamWTest {
    /** A multi-chunk layout: big enough that Parallel splits it (several 32k chunks). */
    private static ParamLayout bigLayout() {
        return ParamLayout.builder()
                .add("model.embed_tokens.weight", 300, 128)                // rank 2, decayed
                .add("model.layers.0.input_layernorm.weight", 128)         // rank 1
                .add("model.layers.0.mlp.gate.gate_network.0.weight", 16, 128)
                .add("model.layers.0.mlp.gate.gate_network.2.weight", 16, 16)
                .add("model.layers.0.mlp.gate.weight_noise.weight", 16, 128)
                .add("model.layers.0.mlp.calculator.experts.weight_gate.0", 200, 128)
                .add("model.layers.0.mlp.calculator.experts.weight_up.0", 200, 128)
                .add("model.layers.0.mlp.calculator.experts.weight_down.0", 128, 200)
                .add("model.norm.weight", 128)
                .add("lm_head.weight", 300, 128)
                .build();
    }

    private static float[] random(int n, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (scale * (2 * r.nextDouble() - 1));
        }
        return x;
    }

    /** Runs {@code steps} steps with fresh random gradients; returns the final parameters. */
    private static float[] train(AdamW opt, int steps) {
        int n = opt.layout().totalLength();
        float[] p = random(n, 1, 1.0);
        for (int s = 0; s < steps; s++) {
            opt.step(p, random(n, 100 + s, 0.01), 1e-2 * (s + 1));
        }
        return p;
    }

    @Test
    void frozenSegmentsNeverChangeAndKeepZeroMoments() {
        ParamLayout layout = bigLayout();
        AdamW opt = new AdamW(layout, AdamWConfig.llamaMoeCpt(), FreezeRules.preset("router"));
        float[] before = random(layout.totalLength(), 1, 1.0);
        float[] after = train(opt, 4);
        for (ParamSegment s : layout.segments()) {
            boolean changed = false;
            for (int i = s.offset(); i < s.end(); i++) {
                changed |= before[i] != after[i];
                if (opt.isFrozen(s.name())) {
                    assertEquals(before[i], after[i], s.name() + " is frozen but changed at " + i);
                    assertEquals(0f, opt.state().m()[i]);
                    assertEquals(0f, opt.state().v()[i]);
                }
            }
            assertEquals(!opt.isFrozen(s.name()), changed, s.name());
        }
        assertTrue(opt.isFrozen("model.layers.0.mlp.gate.weight_noise.weight"));
        assertFalse(opt.isFrozen("model.layers.0.mlp.calculator.experts.weight_gate.0"));
    }

    @Test
    void decayMasksFollowTheRule() {
        ParamLayout layout = bigLayout();
        AdamW rank = new AdamW(layout, AdamWConfig.torchDefaults());
        AdamW llama = new AdamW(layout, AdamWConfig.llamaMoeCpt());
        assertTrue(rank.isDecayed("model.embed_tokens.weight"));
        assertFalse(rank.isDecayed("model.norm.weight"));
        assertTrue(llama.isDecayed("model.layers.0.mlp.gate.gate_network.0.weight"));  // gate weights are decayed
        assertFalse(llama.isDecayed("model.layers.0.input_layernorm.weight"));
        assertFalse(llama.isDecayed("model.norm.weight"));
        assertFalse(new AdamW(layout, AdamWConfig.llamaMoeCpt().withWeightDecay(0)).isDecayed("lm_head.weight"));
        // A rank-1 tensor whose name has neither "bias" nor "norm.weight" is decayed under the LLaMA-MoE rule.
        ParamLayout odd = ParamLayout.builder().add("scale", 4).add("x.bias", 2, 2).build();
        AdamW o = new AdamW(odd, AdamWConfig.llamaMoeCpt());
        assertTrue(o.isDecayed("scale"));
        assertFalse(o.isDecayed("x.bias"));
    }

    /** Per-element reference written straight from the torch formula, one segment at a time. */
    private static void referenceStep(ParamLayout layout, AdamW like, float[] p, float[] g, float[] m, float[] v,
                                      double lr, int t) {
        AdamWConfig c = like.config();
        for (ParamSegment s : layout.segments()) {
            if (like.isFrozen(s.name())) {
                continue;
            }
            double wd = like.isDecayed(s.name()) ? c.weightDecay() : 0;
            for (int i = s.offset(); i < s.end(); i++) {
                p[i] = p[i] * (float) (1 - lr * wd);
                m[i] = Math.fma(g[i], (float) (1 - c.beta1()), m[i] * (float) c.beta1());
                v[i] = v[i] * (float) c.beta2() + (float) (1 - c.beta2()) * g[i] * g[i];
                float denom = (float) Math.sqrt(v[i]) / (float) Math.sqrt(1 - Math.pow(c.beta2(), t)) + (float) c.eps();
                p[i] = p[i] + (float) -(lr / (1 - Math.pow(c.beta1(), t))) * m[i] / denom;
            }
        }
    }

    @Test
    void spansAgreeWithPerSegmentReference() {
        ParamLayout layout = bigLayout();
        AdamW opt = new AdamW(layout, AdamWConfig.llamaMoeCpt(), FreezeRules.of("glob:model.layers.*.mlp.gate.**",
                "model.norm.weight"));
        int n = layout.totalLength();
        float[] p = random(n, 3, 1.0);
        float[] ref = p.clone();
        float[] m = new float[n];
        float[] v = new float[n];
        for (int t = 1; t <= 3; t++) {
            float[] g = random(n, 50 + t, 0.1);
            opt.step(p, g, 3e-3);
            referenceStep(layout, opt, ref, g, m, v, 3e-3, t);
        }
        assertArrayEquals(ref, p);
        assertArrayEquals(m, opt.state().m());
        assertArrayEquals(v, opt.state().v());
    }

    @Test
    void resultDoesNotDependOnThreadCount() {
        float[] many = train(new AdamW(bigLayout(), AdamWConfig.llamaMoeCpt()), 3);
        float[][] one = new float[1][];
        Parallel.withThreads(1, () -> one[0] = train(new AdamW(bigLayout(), AdamWConfig.llamaMoeCpt()), 3));
        assertArrayEquals(one[0], many);
    }

    @Test
    void restoredStateContinuesIdentically() {
        ParamLayout layout = bigLayout();
        int n = layout.totalLength();
        AdamW a = new AdamW(layout, AdamWConfig.llamaMoeCpt());
        float[] pa = random(n, 1, 1.0);
        a.step(pa, random(n, 7, 0.1), 1e-3);
        a.step(pa, random(n, 8, 0.1), 1e-3);

        AdamW b = new AdamW(layout, AdamWConfig.llamaMoeCpt());
        b.state().restore(a.state().step(), a.state().m(), a.state().v());
        float[] pb = pa.clone();
        float[] g = random(n, 9, 0.1);
        a.step(pa, g, 1e-3);
        b.step(pb, g, 1e-3);
        assertArrayEquals(pa, pb);
        assertEquals(3, b.state().step());
    }

    @Test
    void badArgumentsGiveClearMessages() {
        ParamLayout layout = ParamLayout.builder().add("w", 2, 2).build();
        AdamW opt = new AdamW(layout, AdamWConfig.torchDefaults());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> opt.step(new float[3], new float[4], 1e-3));
        assertTrue(e.getMessage().contains("expected 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> opt.step(new float[4], new float[4], Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(1.0, 0.9, 1e-8, 0, false));
        assertThrows(IllegalArgumentException.class, () -> opt.state().restore(1, new float[3], new float[4]));
        assertThrows(IllegalArgumentException.class, () -> new ParamSegment("w", 0, 5, new int[] {2, 2}));
        IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class, () -> ParamLayout.of(List.of(
                new ParamSegment("a", 0, 4, new int[] {4}), new ParamSegment("b", 3, 2, new int[] {2}))));
        assertTrue(overlap.getMessage().contains("overlap"), overlap.getMessage());
    }
}
