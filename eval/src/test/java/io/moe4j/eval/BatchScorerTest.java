package io.moe4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Batching, padding and shared-input rows must not change any score. */
class BatchScorerTest {
    static final int[] CTX = {1, 403, 407, 261, 378, 432, 383, 286};

    @Test
    void spansSharingAnInputScoreAsIfAlone() {
        BatchScorer.Span a = new BatchScorer.Span(CTX, 7, new int[] {261});
        BatchScorer.Span b = new BatchScorer.Span(CTX, 7, new int[] {300});     // same input, other answer
        BatchScorer.Span c = new BatchScorer.Span(CTX, 3, new int[] {432, 383, 286, 261}); // same input, longer target
        BatchScorer.Span d = new BatchScorer.Span(new int[] {1, 403, 407}, 1, new int[] {407, 261}); // shorter, padded
        BatchScorer.Span none = new BatchScorer.Span(CTX, 8, new int[0]);
        BatchScorer together = new BatchScorer(Stories260K.model(), 8);
        List<BatchScorer.Score> all = together.score(List.of(a, b, c, d, none));
        assertEquals(1, together.forwards(), "one forward of two rows (a, b and c share theirs)");
        assertEquals(CTX.length + 3, together.tokens());
        List<BatchScorer.Span> each = List.of(a, b, c, d);
        for (int i = 0; i < each.size(); i++) {
            BatchScorer.Score alone = new BatchScorer(Stories260K.model(), 1).score(List.of(each.get(i))).get(0);
            // float32 logits: batching changes GEMM blocking, so allow rounding (about 1e-6 relative)
            assertEquals(alone.logProb(), all.get(i).logProb(), 1e-5 + 1e-6 * Math.abs(alone.logProb()), "span " + i);
            assertEquals(alone.greedy(), all.get(i).greedy(), "greedy flag of span " + i);
        }
        assertEquals(new BatchScorer.Score(0, true), all.get(4));
    }

    @Test
    void targetsOutsideTheSequenceOrVocabularyAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BatchScorer.Span(CTX, 6, new int[] {1, 2, 3}));
        BatchScorer s = new BatchScorer(Stories260K.model(), 2);
        assertThrows(IllegalArgumentException.class, () -> s.score(List.of(new BatchScorer.Span(CTX, 7, new int[] {512}))));
        assertThrows(IllegalArgumentException.class, () -> s.score(List.of(new BatchScorer.Span(new int[513], 0, new int[] {1}))));
    }
}
