package io.moe4j.data.sampling;

import io.moe4j.data.ByteTokenizer;
import io.moe4j.data.TestData;
import io.moe4j.data.cache.DomainTokens;
import io.moe4j.data.cache.Prepare;
import io.moe4j.data.cache.TokenCache;
import io.moe4j.data.corpus.Split;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackedStreamTest {
    private static final int BOS = 1;
    private static final int EOS = 2;

    @TempDir
    static Path tmp;
    static TokenCache cache;
    static List<int[]> c4Docs;

    @BeforeAll
    static void prepare() throws IOException {
        cache = TokenCache.open(TestData.tinyCache(tmp.resolve("cache")));
        c4Docs = new ArrayList<>();
        for (String t : TestData.texts(TestData.tinyCorpus().resolve("RedPajamaC4/train.jsonl.gz"))) {
            byte[] b = t.getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[b.length];
            for (int i = 0; i < b.length; i++) ids[i] = (b[i] & 0xff) + 3;
            c4Docs.add(ids);
        }
    }

    /** Blocks expected when every buffer is one document: [BOS doc (EOS)] cut into blocks, remainder dropped. */
    private static List<int[]> oneDocBuffers(List<int[]> docs, int blockLen, boolean eos) {
        List<int[]> out = new ArrayList<>();
        for (int[] d : docs) {
            int[] v = new int[d.length + 1 + (eos ? 1 : 0)];
            v[0] = BOS;
            System.arraycopy(d, 0, v, 1, d.length);
            if (eos) v[v.length - 1] = EOS;
            for (int s = 0; s + blockLen <= v.length; s += blockLen) out.add(Arrays.copyOfRange(v, s, s + blockLen));
        }
        return out;
    }

    private static PackedStream c4(int seqLen, int eos, int bufferDocs, long seed, PackedStream.Exhaustion ex) {
        return new PackedStream(cache.tokens(Split.TRAIN, "RedPajamaC4"), seqLen, BOS, eos, bufferDocs, seed, ex);
    }

    @Test
    void oneDocumentBuffersCutEachDocumentAndDropItsRemainder() {
        for (boolean eos : new boolean[]{false, true}) {
            List<int[]> expected = oneDocBuffers(c4Docs, 256, eos);
            PackedStream s = c4(255, eos ? EOS : -1, 1, 1227, PackedStream.Exhaustion.REPEAT);
            int[] block = new int[256];
            for (int epoch = 0; epoch < 2; epoch++) { // one file, one-doc buffers: every epoch is the same sequence
                for (int i = 0; i < expected.size(); i++) {
                    s.next(block);
                    assertArrayEquals(expected.get(i), block, "eos=" + eos + " epoch " + epoch + " block " + i);
                }
            }
            assertEquals(1, s.state().epoch(), "the epoch advances lazily, at the next block");
            s.next(block);
            assertArrayEquals(expected.get(0), block);
            assertEquals(2, s.state().epoch());
        }
    }

    @Test
    void aBufferIsAShuffledConcatenationOfWholeDocuments() {
        int blockLen = 128;
        long virtual = 0;
        for (int[] d : c4Docs) virtual += d.length + 1;
        long blocks = virtual / blockLen; // one buffer holds all 12 documents; only its tail is dropped
        List<Integer> firstOrder = null;
        for (long seed : new long[]{1227, 7}) {
            PackedStream s = c4(blockLen - 1, -1, 200, seed, PackedStream.Exhaustion.STOP);
            int[] all = new int[(int) (blocks * blockLen)];
            int[] block = new int[blockLen];
            for (int b = 0; b < blocks; b++) {
                s.next(block);
                System.arraycopy(block, 0, all, b * blockLen, blockLen);
            }
            assertThrows(DomainExhaustedException.class, () -> s.next(block), "exactly floor(total/L) blocks per epoch");
            List<int[]> order = segments(all);
            List<Integer> seen = new ArrayList<>();
            for (int k = 0; k < order.size(); k++) {
                int[] seg = order.get(k);
                int match = -1;
                for (int d = 0; d < c4Docs.size(); d++) {
                    int[] doc = c4Docs.get(d);
                    boolean whole = Arrays.equals(doc, seg);
                    boolean prefix = k == order.size() - 1 && seg.length <= doc.length && Arrays.equals(seg, Arrays.copyOf(doc, seg.length));
                    if ((whole || prefix) && !seen.contains(d)) {
                        match = d;
                        break;
                    }
                }
                assertTrue(match >= 0, "segment " + k + " is not a whole unused document");
                seen.add(match);
            }
            assertTrue(seen.size() >= c4Docs.size() - 1, "all documents but the dropped tail appear");
            if (firstOrder == null) firstOrder = seen;
            else assertNotEquals(firstOrder, seen, "another seed gives another document order");
        }
    }

    /** Splits a BOS-separated token run into document bodies (BOS ids never occur in bodies: bytes+3 >= 3). */
    private static List<int[]> segments(int[] all) {
        assertEquals(BOS, all[0]);
        List<int[]> out = new ArrayList<>();
        int start = 1;
        for (int i = 1; i <= all.length; i++) {
            if (i == all.length || all[i] == BOS) {
                out.add(Arrays.copyOfRange(all, start, i));
                start = i + 1;
            }
        }
        return out;
    }

    @Test
    void repeatedEpochsReshuffle() {
        PackedStream s = c4(63, -1, 4, 5, PackedStream.Exhaustion.REPEAT);
        int[] block = new int[64];
        List<Integer> firstTokens = new ArrayList<>();
        while (s.state().epoch() < 3) {
            s.next(block);
            if (block[0] == BOS) firstTokens.add(block[1] * 1000 + block[2]);
        }
        assertFalse(firstTokens.isEmpty());
        PackedStream again = c4(63, -1, 4, 5, PackedStream.Exhaustion.REPEAT);
        int[] b2 = new int[64];
        PackedStream.State mid = null;
        for (int i = 0; i < 50; i++) again.next(b2);
        mid = again.state();
        int[] expectNext = new int[64];
        again.next(expectNext);
        PackedStream restored = c4(63, -1, 4, 5, PackedStream.Exhaustion.REPEAT);
        restored.restore(mid);
        restored.next(b2);
        assertArrayEquals(expectNext, b2, "restored stream recomputes its buffer exactly");
    }

    @Test
    void filesAreShuffledPerEpochInAFlatCorpus() throws IOException {
        Path corpus = tmp.resolve("flat");
        for (int f = 0; f < 6; f++) {
            TestData.writeGz(corpus.resolve("train/part-" + f + ".jsonl.gz"),
                    List.of(TestData.record("file " + f + " doc a " + "x".repeat(40), "D"), TestData.record("file " + f + " doc b " + "y".repeat(40), "D")));
        }
        Prepare.run(corpus, new ByteTokenizer(), "h", tmp.resolve("flatcache"), 1, Prepare.Progress.none(),
                Prepare.Options.defaults().withLog(x -> { }));
        DomainTokens d = TokenCache.open(tmp.resolve("flatcache")).tokens(Split.TRAIN, "D");
        assertEquals(6, d.files().size());
        PackedStream s = new PackedStream(d, 50, -1, -1, 1, 99, PackedStream.Exhaustion.REPEAT);
        int[] block = new int[51];
        Set<String> orders = new HashSet<>();
        for (int epoch = 0; epoch < 4; epoch++) {
            StringBuilder order = new StringBuilder();
            for (int i = 0; i < 12; i++) { // 12 one-doc buffers, one block each (docs are 53-54 tokens)
                s.next(block);
                String text = new ByteTokenizer().decode(block);
                assertTrue(text.startsWith("file "), text);
                if (i % 2 == 0) order.append(text.charAt(5));
                else assertEquals(order.charAt(order.length() - 1), text.charAt(5), "a file's documents stay together, in order");
                assertEquals(i % 2 == 0 ? 'a' : 'b', text.charAt(11));
            }
            orders.add(order.toString());
        }
        assertTrue(orders.size() > 1, "file order changes between epochs: " + orders);
    }

    @Test
    void tooSmallOrEmptyDomainsAreClearErrors() {
        DomainTokens arxivVal = cache.tokens(Split.VALIDATION, "RedPajamaArXiv");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PackedStream(arxivVal, 1_000_000, BOS, -1, 200, 1, PackedStream.Exhaustion.REPEAT));
        assertEquals("domain 'RedPajamaArXiv' has only " + (arxivVal.tokens() + 3) + " validation tokens (with BOS/EOS), fewer than "
                + "one block of seq_len+1 = 1000001", e.getMessage());
    }
}
