package io.moe4j.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Schedule values at hand-computed steps (cos values from a table), and JSON round trips. */
class LrScheduleTest {
    private static final double TOL = 1e-12;

    @Test
    void llamaMoeCosineIsAClampNotARescale() {
        // peak 1, warmup 10, total 110: p = (s - 10) / 100
        LrSchedule s = new LrSchedule.WarmupCosine(1.0, 10, 110, 0.1);
        assertEquals(0.0, s.lr(0), TOL);                 // first step: factor 0/10
        assertEquals(0.5, s.lr(5), TOL);
        assertEquals(1.0, s.lr(10), TOL);                // p = 0
        assertEquals(0.8535533905932737, s.lr(35), TOL); // p = .25: (1 + sqrt(2)/2) / 2
        assertEquals(0.5, s.lr(60), TOL);                // p = .5
        assertEquals(0.3454915028125263, s.lr(70), TOL); // p = .6: (1 - 0.30901699437494745) / 2
        assertEquals(0.1, s.lr(90), TOL);                // p = .8: cosine 0.0954915 is below the floor
        assertEquals(0.1, s.lr(110), TOL);               // p = 1
    }

    @Test
    void llamaMoeCptNumbers() {
        // METHOD.md 5.4: peak 2e-4, 100 warmup steps, 13,624 steps, floor 2e-5.
        LrSchedule s = LrSchedule.WarmupCosine.llamaMoeCpt(13_624);
        assertEquals(0.0, s.lr(0), TOL);
        assertEquals(2e-6, s.lr(1), TOL);
        assertEquals(2e-4, s.lr(100), TOL);
        assertEquals(1e-4, s.lr(100 + 13_524 / 2), TOL);  // p = 0.5 exactly (13,524 is even)
        assertEquals(2e-5, s.lr(13_623), TOL);
        // The floor is reached at p = acos(-0.8) / pi = 0.79517: step 100 + 0.79517 * 13524 = 10854.0
        assertEquals(2e-5, s.lr(10_860), TOL);
        assertEquals(true, s.lr(10_840) > 2e-5);
    }

    @Test
    void zeroFloorIsHuggingFaceCosine() {
        LrSchedule s = new LrSchedule.WarmupCosine(2e-5, 3, 103, 0.0);
        assertEquals(2e-5 * 2 / 3, s.lr(2), TOL);
        assertEquals(1e-5, s.lr(53), TOL);
        assertEquals(0.0, s.lr(103), TOL);
    }

    @Test
    void linearDecay() {
        LrSchedule s = new LrSchedule.Linear(1.0, 10, 110);
        assertEquals(0.5, s.lr(5), TOL);
        assertEquals(1.0, s.lr(10), TOL);
        assertEquals(0.5, s.lr(60), TOL);
        assertEquals(0.01, s.lr(109), TOL);
        assertEquals(0.0, s.lr(110), TOL);
        assertEquals(0.0, s.lr(500), TOL);
    }

    @Test
    void constant() {
        assertEquals(3e-4, LrSchedule.Constant.of(3e-4).lr(0), TOL);
        assertEquals(3e-4, LrSchedule.Constant.of(3e-4).lr(1_000_000), TOL);
        LrSchedule w = new LrSchedule.Constant(1.0, 4);
        assertEquals(0.5, w.lr(2), TOL);
        assertEquals(1.0, w.lr(4), TOL);
    }

    @Test
    void warmupRatioRoundsUpLikeHuggingFace() {
        assertEquals(30, LrSchedule.warmupStepsFromRatio(1000, 0.03));
        assertEquals(4, LrSchedule.warmupStepsFromRatio(101, 0.03));
        assertEquals(0, LrSchedule.warmupStepsFromRatio(101, 0.0));
    }

    @Test
    void jsonRoundTrip() throws Exception {
        ObjectMapper json = new ObjectMapper();
        LrSchedule[] all = {
            LrSchedule.WarmupCosine.llamaMoeCpt(13_624), new LrSchedule.Linear(1e-3, 5, 50),
            new LrSchedule.Constant(1e-4, 2)};
        for (LrSchedule s : all) {
            String text = json.writeValueAsString(s);
            assertEquals(s, json.readValue(text, LrSchedule.class), text);
        }
        LrSchedule parsed = json.readValue(
                "{\"type\":\"cosine\",\"peakLr\":2e-4,\"warmupSteps\":100,\"totalSteps\":13624,\"finalPortion\":0.1}",
                LrSchedule.class);
        assertEquals(LrSchedule.WarmupCosine.llamaMoeCpt(13_624), parsed);
    }

    @Test
    void badParameters() {
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule.WarmupCosine(1, 10, 5, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule.WarmupCosine(1, 0, 5, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule.Linear(-1, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.Constant.of(1).lr(-1));
    }
}
