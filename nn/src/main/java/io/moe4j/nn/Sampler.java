package io.moe4j.nn;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from logits: greedy (temperature 0), or a draw from softmax(logits / T)
 * restricted to the top-k tokens and/or to the nucleus (the smallest set of most likely tokens
 * whose probability reaches top-p, renormalised), HF's order: top-k first, then top-p.
 *
 * <p>Draws come from a {@link java.util.Random} seeded at construction (a specified algorithm, so a
 * seed reproduces a generation on any JVM). Work arrays are kept between calls; one Sampler serves
 * one thread. Candidates are ranked by packing (probability bits, index) into longs, so nothing is
 * boxed; top-p alone first drops tokens with p &lt; (1 − top-p)/(V − 1), which can never be in the
 * nucleus (llama2.c's trick), so it sorts a few candidates, not the vocabulary.
 */
public final class Sampler {
    private final float temperature, topP;
    private final int topK;
    private final Random rng;
    private float[] probs = new float[0];
    private long[] keys = new long[0];

    /**
     * @param temperature 0 for greedy, else &gt; 0
     * @param topK        keep the k most likely tokens; 0 keeps all
     * @param topP        nucleus mass in (0, 1]; 1 keeps all
     * @param seed        seed of the random stream
     */
    public Sampler(float temperature, int topK, float topP, long seed) {
        if (!(temperature >= 0)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1] (1 = off), got " + topP);
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.rng = new Random(seed);
    }

    public static Sampler greedy() {
        return new Sampler(0f, 0, 1f, 0L);
    }

    /** Index of the largest logit (the first one on ties). */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /** The next token for {@code logits} (not modified). */
    public int sample(float[] logits) {
        if (logits.length == 0) throw new IllegalArgumentException("sample: empty logits");
        if (temperature == 0) return argmax(logits);
        int v = logits.length;
        if (probs.length != v) {
            probs = new float[v];
            keys = new long[v];
        }
        softmax(logits);
        boolean useK = topK > 0 && topK < v, useP = topP < 1;
        if (!useK && !useP) return draw(v);
        int n = useK ? topKeys(v) : nucleusCandidates(v);
        if (n == 0) return argmax(logits);
        Arrays.sort(keys, 0, n); // ascending: the most likely candidate is last
        double mass = 0;
        for (int i = 0; i < n; i++) mass += probs[index(keys[i])];
        int first = 0; // keep candidates [first, n)
        if (useP) {
            double cum = 0;
            for (int i = n - 1; i >= 0; i--) {
                cum += probs[index(keys[i])];
                first = i;
                if (cum >= topP * mass) break;
            }
            mass = cum;
        }
        double r = rng.nextDouble() * mass, c = 0;
        for (int i = n - 1; i >= first; i--) {
            c += probs[index(keys[i])];
            if (r < c) return index(keys[i]);
        }
        return index(keys[first]); // rounding left r at the very top of the mass
    }

    /** probs = softmax(logits / T). */
    private void softmax(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            probs[i] = (float) Math.exp((logits[i] - max) / temperature);
            sum += probs[i];
        }
        float inv = (float) (1 / sum);
        for (int i = 0; i < logits.length; i++) probs[i] *= inv;
    }

    /** A draw from the whole distribution. */
    private int draw(int v) {
        double r = rng.nextDouble(), c = 0;
        for (int i = 0; i < v; i++) {
            c += probs[i];
            if (r < c) return i;
        }
        return argmax(probs);
    }

    /** Sortable key: larger probability first, then smaller index. Probabilities are >= 0. */
    private static long key(float p, int i) {
        return (long) Float.floatToIntBits(p) << 32 | (Integer.MAX_VALUE - i);
    }

    private static int index(long key) {
        return Integer.MAX_VALUE - (int) (key & 0xFFFFFFFFL);
    }

    /** keys[0..topK) = the topK largest keys (a min-heap on keys), returns topK. */
    private int topKeys(int v) {
        int k = topK;
        for (int i = 0; i < v; i++) {
            long kk = key(probs[i], i);
            if (i < k) {
                keys[i] = kk;
                siftUp(i);
            } else if (kk > keys[0]) {
                keys[0] = kk;
                siftDown(k);
            }
        }
        return k;
    }

    private void siftUp(int i) {
        while (i > 0 && keys[(i - 1) / 2] > keys[i]) {
            swap(i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
    }

    private void siftDown(int n) {
        for (int i = 0;;) {
            int l = 2 * i + 1, m = i;
            if (l < n && keys[l] < keys[m]) m = l;
            if (l + 1 < n && keys[l + 1] < keys[m]) m = l + 1;
            if (m == i) return;
            swap(i, m);
            i = m;
        }
    }

    private void swap(int a, int b) {
        long t = keys[a];
        keys[a] = keys[b];
        keys[b] = t;
    }

    /** keys[0..n) = tokens that can be in the nucleus; returns n. */
    private int nucleusCandidates(int v) {
        float cutoff = v > 1 ? (1 - topP) / (v - 1) : 0;
        int n = 0;
        for (int i = 0; i < v; i++) if (probs[i] >= cutoff) keys[n++] = key(probs[i], i);
        return n;
    }

    // ---------------------------------------------------------------- generation

    /**
     * Feeds {@code prompt} (non-empty, e.g. starting with BOS) through a fresh KV cache and samples
     * up to {@code maxNewTokens} tokens, stopping early at {@code stopToken} (not included; pass -1
     * for none) or at max_seq_len. Returns the generated ids without the prompt.
     */
    public static int[] generate(LlamaModel model, int[] prompt, int maxNewTokens, Sampler sampler, int stopToken) {
        int maxLen = model.config().maxSeqLen();
        if (prompt.length == 0 || prompt.length > maxLen)
            throw new IllegalArgumentException("generate: prompt length " + prompt.length + " must be in [1, max_seq_len=" + maxLen + "]");
        if (maxNewTokens < 0) throw new IllegalArgumentException("generate: maxNewTokens must be >= 0, got " + maxNewTokens);
        if (maxNewTokens == 0) return new int[0];
        KvCache cache = model.newKvCache((int) Math.min(maxLen, (long) prompt.length + maxNewTokens - 1));
        int[] out = new int[maxNewTokens];
        int n = 0, token = prompt[0];
        for (int pos = 0; pos < cache.capacity(); pos++) {
            float[] logits = model.forwardToken(token, pos, cache);
            if (pos + 1 < prompt.length) {
                token = prompt[pos + 1];
                continue;
            }
            int next = sampler.sample(logits);
            if (next == stopToken) break;
            out[n++] = next;
            if (n == maxNewTokens) break;
            token = next;
        }
        return Arrays.copyOf(out, n);
    }
}
