package io.moe4j.eval.harness;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Metric formulas against values worked out by hand from lm-eval's definitions. */
class MetricsTest {

    @Test
    void argmaxTakesTheFirstMaximumLikeNumpy() {
        assertEquals(1, Metrics.argmax(new double[]{-3, -1, -1, -2}));
        assertEquals(0, Metrics.argmax(new double[]{-0.5}));
        assertEquals(2, Metrics.argmax(new double[]{-1, -2, Double.NaN, 0}));
        assertThrows(IllegalArgumentException.class, () -> Metrics.argmax(new double[0]));
    }

    @Test
    void accNormDividesByChoiceLength() {
        // -6/3 = -2 beats -4/1 = -4 after normalisation although -4 > -6 raw.
        double[] ll = {-4, -6};
        List<String> choices = List.of("a", "abc");
        assertEquals(0, Metrics.argmax(ll));
        assertEquals(1, Metrics.argmaxNormalized(ll, choices, Metrics.LengthUnit.CODE_POINTS));
        // "é" is one code point (lm-eval's len) but two UTF-8 bytes; "😀" is 1 code point, 2 UTF-16 units, 4 bytes.
        assertEquals(1, Metrics.LengthUnit.CODE_POINTS.length("é"));
        assertEquals(2, Metrics.LengthUnit.UTF8_BYTES.length("é"));
        assertEquals(1, Metrics.LengthUnit.CODE_POINTS.length("😀"));
        assertEquals(4, Metrics.LengthUnit.UTF8_BYTES.length("😀"));
        // "éé" is 2 code points but 4 bytes, so the unit decides the winner against "abc".
        double[] ll2 = {-2.4, -3.3};
        List<String> c2 = List.of("éé", "abc");
        assertEquals(1, Metrics.argmaxNormalized(ll2, c2, Metrics.LengthUnit.CODE_POINTS)); // -1.2 vs -1.1
        assertEquals(0, Metrics.argmaxNormalized(ll2, c2, Metrics.LengthUnit.UTF8_BYTES));  // -0.6 vs -1.1
    }

    @Test
    void meanAndStderrByHand() {
        double[] xs = {1, 0, 1, 1};
        assertEquals(0.75, Metrics.mean(xs));
        // sample sd = sqrt((3 * 0.0625 + 0.5625) / 3) = 0.5; stderr = 0.5 / 2
        assertEquals(0.25, Metrics.meanStderr(xs), 1e-15);
        assertTrue(Double.isNaN(Metrics.meanStderr(new double[]{1})));
    }

    @Test
    void perplexityIsExpOfMinusMeanLogLikelihood() {
        double[] ll = {-1, -3};
        assertEquals(Math.exp(2), Metrics.perplexity(ll), 1e-12);
        // stderr(mean ll) = sqrt(((1)^2 + (1)^2) / 1) / sqrt(2) = 1; delta method: e^2 * 1
        assertEquals(Math.exp(2), Metrics.perplexityStderr(ll), 1e-12);
    }

    @Test
    void pooledStderrByHand() {
        // groups of 4 (se 0.25) and 2 (se 0.5): (3*0.0625*4 + 1*0.25*2) / (6-2) = 0.3125; sqrt(0.3125 / 6)
        assertEquals(Math.sqrt(0.3125 / 6), Metrics.pooledStderr(new double[]{0.25, 0.5}, new int[]{4, 2}), 1e-15);
    }

    @Test
    void nqNormalisationFollowsLmEvalOrder() {
        // regex (case-sensitive, with trailing space) -> lower-case -> drop ASCII punctuation
        assertEquals("spice girls", Metrics.normalizeAnswer("The Spice Girls"));
        assertEquals("spice girls", Metrics.normalizeAnswer("the Spice Girls!"));
        assertEquals("usa", Metrics.normalizeAnswer("U.S.A."));
        assertEquals("santa ana", Metrics.normalizeAnswer("Santa Ana"), "no article inside a word");
        assertEquals("theatre", Metrics.normalizeAnswer("Theatre"), "'The' needs the following space");
        assertEquals(" 1972", Metrics.normalizeAnswer(" 1972"), "whitespace is kept as lm-eval keeps it");
        assertEquals("ça va", Metrics.normalizeAnswer("Ça va"));
        assertEquals(1.0, Metrics.exactMatchAny("the Beatles", List.of("Rolling Stones", "The Beatles")));
        assertEquals(0.0, Metrics.exactMatchAny("Beatles band", List.of("The Beatles")));
    }

    @Test
    void generationIsCutAtTheFirstStopAndLeftStripped() {
        List<String> stops = List.of("\n", ".", ",");
        assertEquals("December 1972", Metrics.postprocessGeneration(" December 1972.\nQ: next", stops));
        assertEquals("Paris", Metrics.postprocessGeneration("\u00a0 Paris, France", stops));
        assertEquals("", Metrics.postprocessGeneration("\nParis", stops));
        assertEquals("a b ", Metrics.postprocessGeneration("a b ", stops), "trailing space kept (lstrip only)");
    }
}
