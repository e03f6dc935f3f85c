package io.moe4j.train;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.moe.MoeFfn;
import io.moe4j.nn.LlamaModel;
import io.moe4j.train.optim.AdamWConfig;
import io.moe4j.train.optim.FreezeRules;
import io.moe4j.train.optim.LrSchedule;
import io.moe4j.train.optim.ParamSegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TrainerTest {

    @Test
    void lossFallsOnARepeatedBatch() {
        Trainer t = new Trainer(TinyModels.dense(1), TinyModels.options(1e-2, 1));
        BatchSource src = TinyModels.fixed(1, 4, 12, 7);
        double first = t.step(src, 1).loss(), last = 0;
        for (int s = 2; s <= 40; s++) last = t.step(src, s).loss();
        assertTrue(first > 3.0, "random init should be near log(32) = 3.47, got " + first);
        assertTrue(last < 0.5 * first, "loss should at least halve when memorising one batch: " + first + " -> " + last);
    }

    @Test
    void accumulationAveragesMicroBatchGradients() {
        // Two micro-batches of one row each must give the gradient of one batch of both rows (equal lengths).
        BatchSource two = TinyModels.fixed(1, 2, 10, 3);
        MicroBatch both = two.next();
        BatchSource halves = new BatchSource() {
            int i;

            @Override
            public MicroBatch next() {
                int r = i++ % 2;
                return new MicroBatch(new int[][] {both.inputs()[r]}, new int[][] {both.targets()[r]}, new int[1]);
            }

            @Override
            public byte[] saveState() {
                return new byte[0];
            }
        };
        Trainer a = new Trainer(TinyModels.dense(5), noClip(2));
        Trainer b = new Trainer(TinyModels.dense(5), noClip(1));
        StepResult ra = a.step(halves, 1);
        StepResult rb = b.step(TinyModels.constant(both), 1);
        assertEquals(rb.lmLoss(), ra.lmLoss(), 1e-6);
        float[] ga = a.buffer().grad(), gb = b.buffer().grad();
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < ga.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(ga[i] - gb[i]));
            maxAbs = Math.max(maxAbs, Math.abs(gb[i]));
        }
        assertTrue(maxAbs > 1e-3, "gradients should not be all zero");
        assertTrue(maxDiff < 1e-5 * Math.max(1, maxAbs), "accumulated gradient differs by " + maxDiff);
    }

    /** lr 0 and no clipping: the step leaves the averaged gradient in the buffer for inspection. */
    private static Trainer.Options noClip(int accum) {
        return new Trainer.Options(AdamWConfig.torchDefaults(), FreezeRules.none(), LrSchedule.Constant.of(0), accum, 0, false, 1);
    }

    @Test
    void moeLossIncludesTheSumOfLayerBalanceLosses() {
        Trainer t = new Trainer(TinyModels.moe(2), TinyModels.options(1e-3, 1));
        StepResult r = t.step(TinyModels.fixed(1, 4, 12, 9), 1);
        double sum = 0;
        for (var aux : t.model().auxLosses()) sum += aux.data().item();
        assertTrue(r.balanceLoss() > 0, "MoE balance loss should be positive");
        assertEquals(sum, r.balanceLoss(), 1e-7);
        assertEquals(r.lmLoss() + r.balanceLoss(), r.loss(), 1e-12);
        assertEquals(2, r.expertLoad().length);
        assertEquals(4 * 12 * 2, Arrays.stream(r.expertLoad()[0]).sum(), "each token is routed to k = 2 experts");
        assertNotEquals(0, t.gateNoise()[0], "training-mode forward draws gate noise");
    }

    @Test
    void aNonFiniteParameterStopsTheStepAndIsNamed() {
        Trainer t = new Trainer(TinyModels.dense(3), TinyModels.options(1e-3, 1));
        String name = "model.layers.1.self_attn.q_proj.weight";
        ParamSegment seg = t.layout().get(name);
        t.buffer().data()[seg.offset() + 5] = Float.NaN;
        NonFiniteException e = assertThrows(NonFiniteException.class, () -> t.step(TinyModels.fixed(1, 2, 8, 1), 4));
        assertEquals(name, e.parameter());
        assertEquals(4, e.step());
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains("step 4"), e.getMessage());
    }

    @Test
    void skipNonFiniteLeavesWeightsAndOptimizerUntouched() {
        Trainer.Options o = TinyModels.options(1e-3, 1);
        Trainer t = new Trainer(TinyModels.dense(3), new Trainer.Options(o.adam(), o.freeze(), o.schedule(), 1, 1.0, true, 1));
        float[] w = t.buffer().data();
        w[t.layout().get("model.norm.weight").offset()] = Float.POSITIVE_INFINITY;
        float[] before = w.clone();
        StepResult r = t.step(TinyModels.fixed(1, 2, 8, 1), 1);
        assertTrue(r.skipped());
        assertTrue(r.nonFinite().contains("model.norm.weight"), r.nonFinite());
        assertArrayEquals(before, t.buffer().data());
        assertEquals(0, t.optimizer().state().step());
    }

    @Test
    void frozenRouterDoesNotMove() {
        Trainer.Options o = TinyModels.options(1e-2, 1);
        Trainer t = new Trainer(TinyModels.moe(4), new Trainer.Options(o.adam(), FreezeRules.preset("router"), o.schedule(), 1,
                1.0, false, 1));
        float[] before = t.buffer().data().clone();
        BatchSource src = TinyModels.fixed(2, 4, 12, 2);
        for (int s = 1; s <= 3; s++) t.step(src, s);
        float[] after = t.buffer().data();
        for (ParamSegment seg : t.layout().segments()) {
            boolean same = Arrays.equals(before, seg.offset(), seg.end(), after, seg.offset(), seg.end());
            boolean router = seg.name().contains(".mlp.gate.");
            if (router) assertTrue(same, seg.name() + " is frozen but changed");
            else if (!seg.name().contains("weight_noise")) assertFalse(same, seg.name() + " should train");
        }
        assertTrue(t.model().layer(0).ffn() instanceof MoeFfn);
    }

    @Test
    void aFreezeRuleThatMatchesNothingIsRejected() {
        Trainer.Options o = TinyModels.options(1e-2, 1);
        LlamaModel dense = TinyModels.dense(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(dense,
                new Trainer.Options(o.adam(), FreezeRules.preset("router"), o.schedule(), 1, 1.0, false, 1)));
        assertTrue(e.getMessage().contains("preset:router"), e.getMessage());
    }
}
