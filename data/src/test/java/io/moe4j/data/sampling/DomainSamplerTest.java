package io.moe4j.data.sampling;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dynamic rules of METHOD.md §5.3 against updates computed by hand (arithmetic in the comments). */
class DomainSamplerTest {
    private static final double E = Math.E;

    @Test
    void shearedLlamaTwoDomainsByHand() {
        // w = (1/2, 1/2), loss − ref = (1, 0), η = 1, c = 0.1
        // softmax(log ½ + 1, log ½ + 0) = (e/(e+1), 1/(e+1)) = (0.731059, 0.268941)
        // (1 − c)·p + c/K with K = 2: 0.9·0.731059 + 0.05 = 0.707953 ; 0.9·0.268941 + 0.05 = 0.292047 (sum 1)
        double[] w = DomainSampler.shearedLlama(new double[]{0.5, 0.5}, new double[]{2.0, 1.0}, new double[]{1.0, 1.0}, 1.0, 0.1);
        assertArrayEquals(new double[]{0.9 * E / (E + 1) + 0.05, 0.9 / (E + 1) + 0.05}, w, 1e-15);
        assertEquals(0.7079527207670044, w[0], 1e-12);
    }

    @Test
    void shearedLlamaLowersADomainBelowItsReference() {
        // loss − ref = (0, −0.5): the second domain is already better than the reference.
        // softmax(log ½, log ½ − 0.5) = (1/(1+e^−½), e^−½/(1+e^−½)) = (0.622459, 0.377541): it LOSES weight (no clamp).
        double[] w = DomainSampler.shearedLlama(new double[]{0.5, 0.5}, new double[]{1.0, 0.5}, new double[]{1.0, 1.0}, 1.0, 0.0);
        double q = Math.exp(-0.5);
        assertArrayEquals(new double[]{1 / (1 + q), q / (1 + q)}, w, 1e-15);
        assertTrue(w[1] < 0.5);
    }

    @Test
    void paperRuleClampsBelowReferenceAndScalesAbove() {
        // same inputs as above: max(Δ, 0) = (0, 0), so α = w and the weights stay (½, ½)
        double[] same = DomainSampler.shearedLlamaPaper(new double[]{0.5, 0.5}, new double[]{1.0, 0.5}, new double[]{1.0, 1.0}, 1.0);
        assertArrayEquals(new double[]{0.5, 0.5}, same, 1e-15);
        // w = (¼, ¾), loss = (3, 1), ref = (1, 2): Δ = (2, −1) -> max(Δ,0) = (2, 0)
        // α = (¼e², ¾·e⁰) = (1.847264, 0.75); Σ = 2.597264; w = (0.711235, 0.288765)
        double[] w = DomainSampler.shearedLlamaPaper(new double[]{0.25, 0.75}, new double[]{3, 1}, new double[]{1, 2}, 1.0);
        double a = 0.25 * E * E;
        assertArrayEquals(new double[]{a / (a + 0.75), 0.75 / (a + 0.75)}, w, 1e-15);
        assertEquals(0.7112345942275939, w[0], 1e-12);
    }

    @Test
    void smoothingFloorIsCOverSeven() {
        // 7 domains at 1/7; domain 0 is 1000 nats below its reference, the rest at their reference.
        // softmax: exp(−1000) underflows to 0 -> p = (0, 1/6, ..., 1/6)
        // w0 = (1 − c)·0 + c/7 = 1e-4/7 = 1.428571e-5 ; others (1 − c)/6 + c/7 = 0.166664; Σ = (1 − c) + c = 1
        double c = 1e-4;
        double[] w0 = new double[7];
        java.util.Arrays.fill(w0, 1.0 / 7);
        double[] ref = {1, 1, 1, 1, 1, 1, 1};
        double[] loss = {-999, 1, 1, 1, 1, 1, 1};
        double[] w = DomainSampler.shearedLlama(w0, loss, ref, 1.0, c);
        assertEquals(c / 7, w[0], 1e-18);
        for (int i = 1; i < 7; i++) assertEquals((1 - c) / 6 + c / 7, w[i], 1e-15);
        // one domain far above its reference: it takes (1 − c) + c/7, every other keeps exactly the floor c/7
        double[] up = DomainSampler.shearedLlama(w0, new double[]{1001, 1, 1, 1, 1, 1, 1}, ref, 1.0, c);
        assertEquals(1 - c + c / 7, up[0], 1e-15);
        for (int i = 1; i < 7; i++) assertEquals(c / 7, up[i], 1e-18);
    }

    @Test
    void stepSizeScalesTheDifference() {
        // w = (0.2, 0.3, 0.5), Δ = (1, 0, −1), η = 0.5, c = 1e-4
        // w·e^{ηΔ} = (0.2e^{0.5}, 0.3, 0.5e^{−0.5}) = (0.329744, 0.3, 0.303265); Σ = 0.933010
        // p = (0.353420, 0.321540, 0.325040); (1 − c)p + c/3 = (0.353418, 0.321541, 0.325041)
        double c = 1e-4;
        double[] x = {0.2 * Math.exp(0.5), 0.3, 0.5 * Math.exp(-0.5)};
        double s = x[0] + x[1] + x[2];
        double[] w = DomainSampler.shearedLlama(new double[]{0.2, 0.3, 0.5}, new double[]{3, 2, 1}, new double[]{2, 2, 2}, 0.5, c);
        for (int i = 0; i < 3; i++) assertEquals((1 - c) * x[i] / s + c / 3, w[i], 1e-15);
        assertEquals(0.3534179987966457, w[0], 1e-12);
    }

    @Test
    void samplerUpdateUsesTheConfiguredRuleAndChecksItsInputs() {
        Map<String, Double> init = DomainWeights.preset("dynamic-sheared");
        DomainSampler s = new DomainSampler(init, 1, DomainSampler.Dynamic.defaults());
        Map<String, Double> ref = DomainWeights.llama2ReferenceLosses();
        Map<String, Double> val = new LinkedHashMap<>();
        double[] loss = {2.1, 2.3, 0.9, 1.7, 2.2, 1.3, 1.6};
        for (int i = 0; i < 7; i++) val.put(DomainWeights.SLIMPAJAMA_DOMAINS.get(i), loss[i]);
        double[] expected = DomainSampler.shearedLlama(init.values().stream().mapToDouble(Double::doubleValue).toArray(),
                loss, ref.values().stream().mapToDouble(Double::doubleValue).toArray(), 1.0, 1e-4);
        assertArrayEquals(expected, s.update(val, ref), 0.0);
        assertArrayEquals(expected, s.weights(), 0.0);
        assertEquals(1, s.updates());

        val.remove(DomainWeights.BOOK);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.update(val, ref));
        assertTrue(e.getMessage().startsWith("validation losses have no entry for domain 'RedPajamaBook'"), e.getMessage());

        DomainSampler fixed = new DomainSampler(init, 1, null);
        assertThrows(IllegalStateException.class, () -> fixed.update(val, ref));

        Map<String, Double> ab = new LinkedHashMap<>();
        ab.put("a", 0.25);
        ab.put("b", 0.75);
        DomainSampler paper = new DomainSampler(ab, 1,
                new DomainSampler.Dynamic(DomainSampler.Rule.parse("sheared_llama_paper"), 1.0, 1e-4, 10));
        double a = 0.25 * E * E;
        assertArrayEquals(new double[]{a / (a + 0.75), 0.75 / (a + 0.75)}, paper.update(Map.of("a", 3.0, "b", 1.0), Map.of("a", 1.0, "b", 2.0)), 1e-15);
    }

    @Test
    void updateIntervalCountsOptimizerSteps() {
        DomainSampler s = new DomainSampler(Map.of("a", 1.0), 1, new DomainSampler.Dynamic(DomainSampler.Rule.SHEARED_LLAMA, 1, 1e-4, 170));
        assertFalse(s.isUpdateStep(0));
        assertFalse(s.isUpdateStep(169));
        assertTrue(s.isUpdateStep(170));
        assertTrue(s.isUpdateStep(340));
        assertFalse(new DomainSampler(Map.of("a", 1.0), 1, null).isUpdateStep(170));
        assertThrows(IllegalArgumentException.class, () -> new DomainSampler.Dynamic(DomainSampler.Rule.SHEARED_LLAMA, 1, 1.5, 1));
        assertThrows(IllegalArgumentException.class, () -> new DomainSampler.Dynamic(DomainSampler.Rule.SHEARED_LLAMA, 0, 0, 1));
    }

    @Test
    void jsonStateRestoresTheSameDrawsAndWeights() {
        DomainSampler s = new DomainSampler(DomainWeights.preset("dynamic-llama"), 1227, DomainSampler.Dynamic.defaults());
        for (int i = 0; i < 137; i++) s.sample();
        Map<String, Double> val = new LinkedHashMap<>();
        for (String d : s.domains()) val.put(d, 1.0 + d.length() / 10.0);
        s.update(val, DomainWeights.llama2ReferenceLosses());
        DomainSampler r = DomainSampler.fromJson(s.toJson());
        assertArrayEquals(s.weights(), r.weights(), 0.0);
        assertEquals(s.domains(), r.domains());
        assertEquals(s.dynamic(), r.dynamic());
        for (int i = 0; i < 1000; i++) assertEquals(s.sample(), r.sample());
    }

    @Test
    void zeroWeightIsNeverDrawn() {
        DomainSampler s = new DomainSampler(Map.of("a", 0.0, "b", 1.0), 3, null);
        int b = s.indexOf("b");
        for (int i = 0; i < 10_000; i++) assertEquals(b, s.sample());
    }
}
