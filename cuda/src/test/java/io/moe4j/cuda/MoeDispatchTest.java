package io.moe4j.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MoeDispatchTest {

    @Test
    void smallExampleByHand() {
        // 3 tokens, top-2: slots (t0: e2, e0), (t1: e1, e2), (t2: e2, e1)
        MoeDispatch p = MoeDispatch.plan(new int[] {2, 0, 1, 2, 2, 1}, 4);
        assertArrayEquals(new int[] {0, 1, 3, 6, 6}, p.offsets());
        assertArrayEquals(new int[] {1, 2, 5, 0, 3, 4}, p.order());
        assertEquals(0, p.count(3));
        assertEquals(3, p.maxCount());
    }

    @Test
    void matchesAStableSortOnRandomRouting() {
        Random r = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            int experts = 1 + r.nextInt(16), slots = r.nextInt(500);
            int[] ex = new int[slots];
            for (int s = 0; s < slots; s++) ex[s] = r.nextInt(experts);
            MoeDispatch p = MoeDispatch.plan(ex, experts);
            List<Integer> expected = new ArrayList<>();
            for (int e = 0; e < experts; e++)
                for (int s = 0; s < slots; s++) if (ex[s] == e) expected.add(s);
            assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), p.order());
            for (int e = 0; e < experts; e++)
                for (int q = p.offsets()[e]; q < p.offsets()[e + 1]; q++) assertEquals(e, ex[p.order()[q]]);
        }
    }

    @Test
    void badExpertIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MoeDispatch.plan(new int[] {0, 5}, 4));
        assertTrue(e.getMessage().contains("slot 1 routes to expert 5"), e.getMessage());
    }
}
