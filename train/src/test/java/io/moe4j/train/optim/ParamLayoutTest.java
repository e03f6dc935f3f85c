package io.moe4j.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParamLayoutTest {
    @Test
    void segmentAtFindsOwnerSkippingEmptyAndPadding() {
        ParamLayout l = new ParamLayout(List.of(
                new ParamSegment("empty", 2, 0, new int[] {0, 3}),
                new ParamSegment("a", 2, 3, new int[] {3}),
                new ParamSegment("b", 7, 2, new int[] {1, 2})), 10);
        assertNull(l.segmentAt(0));
        assertEquals("a", l.segmentAt(2).name());
        assertEquals("a", l.segmentAt(4).name());
        assertNull(l.segmentAt(5));
        assertEquals("b", l.segmentAt(8).name());
        assertNull(l.segmentAt(9));
        assertThrows(IllegalArgumentException.class, () -> l.get("c"));
    }

    @Test
    void spansMergeTouchingRangesWithEqualFlagsAndWalkInOrder() {
        Spans s = Spans.builder().add(0, 3, true).add(3, 5, true).add(5, 6, false).add(8, 8, false)
                .add(8, 10, false).build();
        assertEquals("Spans[[0,5)*, [5,6), [8,10)]", s.toString());
        assertEquals(8, s.total());
        List<String> seen = new ArrayList<>();
        s.walk(4, 8, (from, to, span) -> seen.add(from + "-" + to + "@" + span));
        assertEquals(List.of("4-5@0", "5-6@1", "8-10@2"), seen);
        assertThrows(IllegalArgumentException.class, () -> Spans.builder().add(4, 6, true).add(5, 7, true));
    }
}
