package io.moe4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The sliding-window rule: every target scored once, with the promised context. */
class PerplexityWindowsTest {

    @Property
    void everyTargetIsScoredExactlyOnceWithEnoughContext(@ForAll @IntRange(min = 1, max = 300) int len,
                                                         @ForAll @IntRange(min = 1, max = 64) int seqLen,
                                                         @ForAll @IntRange(min = 1, max = 64) int strideRaw) {
        int stride = 1 + (strideRaw - 1) % seqLen;
        int[] ids = new int[len];
        for (int i = 0; i < len; i++) ids[i] = 1000 + i; // id = 1000 + position, so targets name their position
        int[] seen = new int[len];
        int window = 0;
        for (BatchScorer.Span s : Perplexity.windows(ids, seqLen, stride)) {
            assertTrue(s.tokens().length <= seqLen, "window longer than seq-len");
            int b = s.tokens()[0] - 1000;
            assertEquals(window * stride, b, "window start");
            for (int i = 0; i < s.targets().length; i++) {
                int pos = s.targets()[i] - 1000;
                int fedAt = b + s.from() + i; // the position whose logits predict this target
                assertEquals(pos - 1, fedAt, "a target is predicted by the token just before it");
                if (window > 0) assertTrue(fedAt - b >= seqLen - stride, "context of at least T - S tokens");
                seen[pos]++;
            }
            window++;
        }
        assertEquals(0, seen[0], "BOS is never a target");
        for (int p = 1; p < len; p++) assertEquals(1, seen[p], "target " + p);
    }

    @Test
    void disjointWindowsOfADocument() {
        int[] ids = new int[11]; // BOS + 10 tokens
        for (int i = 0; i < ids.length; i++) ids[i] = i;
        List<BatchScorer.Span> w = Perplexity.windows(ids, 4, 4);
        assertEquals(3, w.size()); // targets 1..4, 5..8, 9..10
        assertEquals(4, w.get(0).targets().length);
        assertEquals(0, w.get(0).from());
        assertEquals(2, w.get(2).targets().length);
    }

    @Test
    void strideLongerThanTheWindowIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Perplexity.Options(8, 9));
        assertTrue(e.getMessage().contains("--stride"), e.getMessage());
    }
}
