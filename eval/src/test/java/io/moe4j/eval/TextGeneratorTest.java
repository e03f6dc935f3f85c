package io.moe4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moe4j.data.tokenizer.Tokenizer;
import io.moe4j.nn.Sampler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decode loop against nn's Sampler.generate (itself checked against llama2.c), with prompts and stops. */
class TextGeneratorTest {
    static final Tokenizer TOK = Stories260K.tokenizer();

    @Test
    void sameIdsAsSamplerGenerateForAPrompt() {
        int[] prompt = TOK.encode("Tom had a red ball", true, false);
        int[] want = Sampler.generate(Stories260K.model(), prompt, 30, Sampler.greedy(), 1);
        TextGenerator.Result r = TextGenerator.generate(Stories260K.model(), TOK, prompt, 30, Sampler.greedy(), new int[] {1}, null, null);
        assertArrayEquals(want, r.ids());
        assertEquals(prompt.length - 1 + want.length, r.positions()); // the last sampled token is never fed
        assertTrue(r.text().startsWith("Tom had a red ball"), r.text());
        assertEquals(TOK.decode(concat(prompt, r.ids())), r.text()); // streamed pieces = decode of the whole
    }

    @Test
    void seededSamplingIsReproducibleAndStreamsWhatItReturns() {
        int[] bos = {1};
        List<Byte> streamed = new ArrayList<>();
        TextGenerator.Result a = TextGenerator.generate(Stories260K.model(), TOK, bos, 40, new Sampler(0.9f, 0, 0.9f, 7),
                new int[] {1, 2}, null, piece -> { for (byte x : piece) streamed.add(x); });
        TextGenerator.Result b = TextGenerator.generate(Stories260K.model(), TOK, bos, 40, new Sampler(0.9f, 0, 0.9f, 7),
                new int[] {1, 2}, null, null);
        assertArrayEquals(a.ids(), b.ids());
        byte[] s = new byte[streamed.size()];
        for (int i = 0; i < s.length; i++) s[i] = streamed.get(i);
        assertEquals(a.text(), new String(s, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void stopPredicateEndsGenerationAfterTheToken() {
        int[] bos = {1};
        TextGenerator.Result r = TextGenerator.generate(Stories260K.model(), TOK, bos, 100, Sampler.greedy(), new int[] {1},
                id -> id == 432, null); // 432 is the 5th greedy token
        assertArrayEquals(new int[] {403, 407, 261, 378, 432}, r.ids());
    }

    static int[] concat(int[] a, int[] b) {
        int[] o = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }
}
