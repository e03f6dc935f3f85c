package io.moe4j.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.tensor.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
    /** log of probabilities 0.1, 0.2, 0.3, 0.4 (shifted: logits are defined up to a constant). */
    static final float[] LOGITS = {(float) Math.log(0.1) + 3, (float) Math.log(0.2) + 3, (float) Math.log(0.3) + 3, (float) Math.log(0.4) + 3};

    static double[] frequencies(Sampler s, float[] logits, int n) {
        double[] f = new double[logits.length];
        for (int i = 0; i < n; i++) f[s.sample(logits)] += 1.0 / n;
        return f;
    }

    static void close(double[] expected, double[] got) {
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got[i], 0.01, "token " + i + " in " + Arrays.toString(got));
    }

    @Test
    void greedyIsArgmaxWithFirstOnTies() {
        assertEquals(3, Sampler.greedy().sample(LOGITS));
        assertEquals(1, Sampler.argmax(new float[] {0, 2, 2, 1}));
    }

    @Test
    void temperatureOneFollowsTheSoftmax() {
        close(new double[] {0.1, 0.2, 0.3, 0.4}, frequencies(new Sampler(1f, 0, 1f, 1), LOGITS, 60000));
    }

    @Test
    void temperatureHalfSquaresTheProbabilities() {
        double z = 0.01 + 0.04 + 0.09 + 0.16;
        close(new double[] {0.01 / z, 0.04 / z, 0.09 / z, 0.16 / z}, frequencies(new Sampler(0.5f, 0, 1f, 2), LOGITS, 60000));
    }

    @Test
    void topKKeepsTheKMostLikelyRenormalised() {
        close(new double[] {0, 0, 3 / 7.0, 4 / 7.0}, frequencies(new Sampler(1f, 2, 1f, 3), LOGITS, 60000));
        assertEquals(3, new Sampler(1f, 1, 1f, 4).sample(LOGITS));
    }

    @Test
    void topPKeepsTheNucleus() {
        close(new double[] {0, 0, 3 / 7.0, 4 / 7.0}, frequencies(new Sampler(1f, 0, 0.5f, 5), LOGITS, 60000)); // 0.4 < 0.5 <= 0.7
        close(new double[] {0, 0, 0, 1}, frequencies(new Sampler(1f, 0, 0.35f, 6), LOGITS, 2000));
        // top-k first (0.4, 0.3, 0.2; mass 0.9), then the nucleus of 0.6·0.9 = 0.54 within it
        close(new double[] {0, 0, 3 / 7.0, 4 / 7.0}, frequencies(new Sampler(1f, 3, 0.6f, 7), LOGITS, 60000));
    }

    @Test
    void topPOnALargeVocabularyDrawsOnlyFromTheBruteForceNucleus() {
        Random r = new Random(8);
        float[] logits = new float[1000];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (r.nextGaussian() * 3);
        double[] p = new double[logits.length];
        double z = 0;
        for (float l : logits) z += Math.exp(l);
        for (int i = 0; i < p.length; i++) p[i] = Math.exp(logits[i]) / z;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < p.length; i++) order.add(i);
        order.sort(Comparator.comparingDouble((Integer i) -> -p[i]));
        Set<Integer> nucleus = new HashSet<>();
        double cum = 0;
        for (int i : order) {
            nucleus.add(i);
            cum += p[i];
            if (cum >= 0.9) break;
        }
        Sampler s = new Sampler(1f, 0, 0.9f, 9);
        Set<Integer> seen = new HashSet<>();
        for (int k = 0; k < 4000; k++) seen.add(s.sample(logits));
        assertTrue(nucleus.containsAll(seen), "drew outside the nucleus");
        assertTrue(seen.size() > nucleus.size() / 2, "drew " + seen.size() + " of " + nucleus.size());
    }

    @Test
    void aSeedReproducesADraw() {
        int[] a = new int[50], b = new int[50], c = new int[50];
        Sampler x = new Sampler(1f, 0, 1f, 42), y = new Sampler(1f, 0, 1f, 42), w = new Sampler(1f, 0, 1f, 43);
        for (int i = 0; i < 50; i++) {
            a[i] = x.sample(LOGITS);
            b[i] = y.sample(LOGITS);
            c[i] = w.sample(LOGITS);
        }
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1f, 0, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, -2, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, 0, 0f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, 0, 1.5f, 0));
    }

    @Test
    void generateFeedsThePromptThenSamples() {
        LlamaModel m = new LlamaModel(TestModels.tiny(true), DType.F32);
        TestModels.fill(m, 0.5, 12);
        int[] prompt = {1, 4, 7};
        int[] got = Sampler.generate(m, prompt, 4, Sampler.greedy(), -1);
        assertEquals(4, got.length);
        // the same continuation by hand: greedy over the full forward of the growing sequence
        int[] seq = Arrays.copyOf(prompt, 7);
        for (int t = 3; t < 7; t++) {
            float[] logits = m.forward(new int[][] {Arrays.copyOf(seq, t)}).data().toFloatArray();
            seq[t] = Sampler.argmax(Arrays.copyOfRange(logits, (t - 1) * 11, t * 11));
        }
        assertArrayEquals(Arrays.copyOfRange(seq, 3, 7), got);
        int[] stopped = Sampler.generate(m, prompt, 4, Sampler.greedy(), got[1]);
        assertArrayEquals(got[0] == got[1] ? new int[0] : new int[] {got[0]}, stopped, "stop token is not included");
        // positions 0..7 fill max_seq_len 8: the prompt's 3, then 5 generated ones, plus the last logits' pick
        assertEquals(6, Sampler.generate(m, prompt, 100, Sampler.greedy(), -1).length);
    }
}
