package io.moe4j.data.sampling;

import io.moe4j.data.TestData;
import io.moe4j.data.cache.TokenCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ValidationStreamTest {
    @TempDir
    Path tmp;

    @Test
    void validationBlocksAreTheDocumentsInOrderWithBos() throws IOException {
        try (TokenCache cache = TokenCache.open(TestData.tinyCache(tmp.resolve("cache")))) {
            Map<String, ValidationStream> all = ValidationStream.forCache(cache, 63, true, false, 0);
            assertEquals(cache.domains(io.moe4j.data.corpus.Split.VALIDATION), List.copyOf(all.keySet()));
            // expected: BOS + bytes+3 of every validation text in file order, concatenated, cut in 64s, tail dropped
            List<Integer> flat = new ArrayList<>();
            for (String t : TestData.texts(TestData.tinyCorpus().resolve("RedPajamaBook/validation.jsonl.gz"))) {
                flat.add(1);
                for (byte b : t.getBytes(StandardCharsets.UTF_8)) flat.add((b & 0xff) + 3);
            }
            ValidationStream v = all.get("RedPajamaBook");
            assertEquals(flat.size() / 64, v.totalBlocks());
            int row = 0;
            for (Batch b; (b = v.nextBatch(5)) != null; ) {
                for (int r = 0; r < b.batchSize(); r++, row++) {
                    int[] exp = flat.subList(row * 64, row * 64 + 64).stream().mapToInt(Integer::intValue).toArray();
                    assertArrayEquals(Arrays.copyOf(exp, 63), b.inputs()[r]);
                    assertArrayEquals(Arrays.copyOfRange(exp, 1, 64), b.labels()[r]);
                    assertEquals("RedPajamaBook", b.domainName(r));
                }
            }
            assertEquals(flat.size() / 64, row);
            ValidationStream capped = ValidationStream.forCache(cache, 63, true, false, 3).get("RedPajamaBook");
            assertEquals(3, capped.nextBatch(10).batchSize());
            assertNull(capped.nextBatch(10));
        }
    }
}
