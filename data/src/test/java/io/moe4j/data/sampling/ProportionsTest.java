package io.moe4j.data.sampling;

import io.moe4j.data.TestData;
import io.moe4j.data.cache.TokenCache;
import io.moe4j.data.corpus.Split;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Over 20,000 packed blocks the empirical domain shares match each static preset to ±1 percentage point. */
class ProportionsTest {
    private static final int BLOCKS = 20_000;
    private static final double BAND = 0.01;

    @TempDir
    static Path tmp;
    static TokenCache cache;

    @BeforeAll
    static void prepare() {
        cache = TokenCache.open(TestData.tinyCache(tmp.resolve("cache")));
    }

    /** Shares of each domain over 20,000 blocks served by a loader with these weights. */
    private static Map<String, Double> shares(Map<String, Double> weights) {
        BatchLoader l = new BatchLoader(cache, new DomainSampler(weights, 1227, null), BatchLoader.Options.of(20, 16));
        long[] counts = new long[l.domains().size()];
        for (int i = 0; i < BLOCKS / 20; i++) for (int d : l.next().domains()) counts[d]++;
        Map<String, Double> out = new LinkedHashMap<>();
        for (int d = 0; d < counts.length; d++) out.put(l.domains().get(d), counts[d] / (double) BLOCKS);
        return out;
    }

    /** Largest |share − target| over all domains of the target. */
    private static double maxDeviation(Map<String, Double> shares, Map<String, Double> target) {
        double worst = 0;
        for (Map.Entry<String, Double> e : target.entrySet()) worst = Math.max(worst, Math.abs(shares.getOrDefault(e.getKey(), 0.0) - e.getValue()));
        return worst;
    }

    private static Map<String, Double> resolved(String preset) {
        // the corpus has TinyStories, which no preset names: exclude it explicitly with weight 0
        LinkedHashMap<String, Double> w = DomainWeights.preset(preset);
        w.put("TinyStories", 0.0);
        return DomainWeights.resolve(w, cache.domains(Split.TRAIN), DomainWeights.Mismatch.ERROR, s -> { });
    }

    @Test
    void staticPresetsAreMetWithinOnePoint() {
        for (String preset : new String[]{"static-llama", "static-sheared", "uniform"}) {
            Map<String, Double> target = resolved(preset);
            Map<String, Double> got = shares(target);
            assertEquals(0.0, got.getOrDefault("TinyStories", 0.0), "excluded domain is never drawn");
            double dev = maxDeviation(got, target);
            assertTrue(dev <= BAND, preset + ": max deviation " + dev + " shares " + got + " target " + target);
        }
    }

    @Test
    void theCheckCatchesWrongWeights() {
        // move 3 points from C4 to CommonCrawl: the sampled shares must fall outside the ±1 point band of the true preset
        Map<String, Double> target = resolved("static-sheared");
        Map<String, Double> wrong = new LinkedHashMap<>(target);
        wrong.put(DomainWeights.C4, target.get(DomainWeights.C4) - 0.03);
        wrong.put(DomainWeights.CC, target.get(DomainWeights.CC) + 0.03);
        double dev = maxDeviation(shares(wrong), target);
        assertTrue(dev > BAND, "perturbed sampler should be outside the band, deviation " + dev);
    }

    @Test
    void emptyDomainWithWeightIsAClearError() {
        Map<String, Double> w = Map.of("RedPajamaC4", 0.5, "Nowhere", 0.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BatchLoader(cache, new DomainSampler(w, 1, null), BatchLoader.Options.of(2, 8)));
        assertTrue(e.getMessage().startsWith("sampler domain 'Nowhere' has no training data in the token cache"), e.getMessage());
    }
}
