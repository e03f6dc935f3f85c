package io.moe4j.data;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarTest {
    @Test
    void renderShowsFractionRateAndEta() {
        // 250 of 1000 in 5 s: 50/s, 750 left -> 15 s
        assertEquals("prep [######------------------]  25.0%  250/1.0k B  50 B/s  ETA 15s",
                ProgressBar.render("prep", 250, 1000, "B", 5.0, ""));
        assertEquals("prep [########################] 100.0%  1.0k/1.0k B  100 B/s  done in 10s  x",
                ProgressBar.render("prep", 1000, 1000, "B", 10.0, "x"));
        assertEquals("train 1.5M tok  3.0k tok/s", ProgressBar.render("train", 1_500_000, 0, "tok", 500.0, null));
    }

    @Test
    void humanUnitsAndDurations() {
        assertEquals("999", ProgressBar.human(999));
        assertEquals("1.2k", ProgressBar.human(1234));
        assertEquals("5.6M", ProgressBar.human(5_600_000));
        assertEquals("3m05s", ProgressBar.duration(185));
        assertEquals("2h07m", ProgressBar.duration(2 * 3600 + 7 * 60 + 3));
        assertEquals("?", ProgressBar.duration(Double.POSITIVE_INFINITY));
    }

    @Test
    void nonInteractiveBarPrintsWholeLinesAndFinishes() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ProgressBar bar = new ProgressBar("job", 10, "it", new PrintStream(buf, true, StandardCharsets.UTF_8), false)) {
            for (int i = 0; i < 10; i++) bar.add(1);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("job [########################] 100.0%  10/10 it"), out);
        assertTrue(!out.contains("\r"), "no carriage returns in logs");
    }
}
