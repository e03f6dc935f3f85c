package io.moe4j.data.sampling;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.moe4j.data.sampling.DomainWeights.ARXIV;
import static io.moe4j.data.sampling.DomainWeights.BOOK;
import static io.moe4j.data.sampling.DomainWeights.C4;
import static io.moe4j.data.sampling.DomainWeights.CC;
import static io.moe4j.data.sampling.DomainWeights.GITHUB;
import static io.moe4j.data.sampling.DomainWeights.STACKEXCHANGE;
import static io.moe4j.data.sampling.DomainWeights.WIKIPEDIA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DomainWeightsTest {
    @TempDir
    Path tmp;

    private static final List<String> CORPUS = List.of("RedPajamaArXiv", "RedPajamaBook", "RedPajamaC4", "RedPajamaCommonCrawl",
            "RedPajamaGithub", "RedPajamaStackExchange", "RedPajamaWikipedia", "TinyStories");

    @Test
    void presetsAreTheTableOfMethodSection52() {
        // METHOD.md §5.2, typed in from the table
        Map<String, Double> llama = Map.of(CC, 0.670, C4, 0.150, GITHUB, 0.045, WIKIPEDIA, 0.045, BOOK, 0.045, ARXIV, 0.025, STACKEXCHANGE, 0.020);
        Map<String, Double> sheared = Map.of(CC, 0.361, C4, 0.492, GITHUB, 0.008, WIKIPEDIA, 0.031, BOOK, 0.091, ARXIV, 0.007, STACKEXCHANGE, 0.010);
        assertEquals(llama, DomainWeights.preset("static-llama"));
        assertEquals(llama, DomainWeights.preset("dynamic-llama"));
        assertEquals(sheared, DomainWeights.preset("static-sheared"));
        assertEquals(sheared, DomainWeights.preset("dynamic-sheared"));
        DomainWeights.preset("uniform").values().forEach(v -> assertEquals(1.0 / 7, v, 0.0));
        assertTrue(DomainWeights.isDynamicPreset("dynamic-sheared"));
        assertTrue(!DomainWeights.isDynamicPreset("static-sheared"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DomainWeights.preset("sheared"));
        assertTrue(e.getMessage().startsWith("unknown sampling preset 'sheared'"), e.getMessage());
        // LLaMA-2-7B reference losses, METHOD.md §5.3
        Map<String, Double> ref = DomainWeights.llama2ReferenceLosses();
        assertEquals(1.9252, ref.get(BOOK));
        assertEquals(0.6984, ref.get(GITHUB));
        assertEquals(1.6917, ref.get(CC));
    }

    @Test
    void userWeightsFromFlagJsonAndLinesFiles() throws IOException {
        assertEquals(Map.of("A", 0.75, "B", 0.25), DomainWeights.parse("A=3, B=1"));
        Path json = tmp.resolve("w.json");
        Files.writeString(json, "{\"A\": 1, \"B\": 3}");
        assertEquals(Map.of("A", 0.25, "B", 0.75), DomainWeights.parse(json.toString()));
        Path lines = tmp.resolve("w.txt");
        Files.writeString(lines, "# my mix\nA = 0.5\n\nB=0.5  # half\n");
        assertEquals(Map.of("A", 0.5, "B", 0.5), DomainWeights.parse("@" + lines));
        assertEquals(List.of("A", "B"), new ArrayList<>(DomainWeights.parse("A=1,B=1").keySet()), "order is kept");
    }

    @Test
    void badWeightsAreClearErrors() throws IOException {
        assertMessage("weights 'A=1,A=2': domain 'A' given twice", () -> DomainWeights.parse("A=1,A=2"));
        assertMessage("weights 'A=x': weight of 'A' is not a number: 'x'", () -> DomainWeights.parse("A=x"));
        assertMessage("weight of domain 'A' must be finite and >= 0, got -1.0", () -> DomainWeights.parse("A=-1,B=2"));
        assertMessage("domain weights sum to 0: {A=0.0}", () -> DomainWeights.parse("A=0"));
        assertMessage("'nosuch' is not a preset " + DomainWeights.PRESETS + ", not an existing file, and not name=weight pairs",
                () -> DomainWeights.parse("nosuch"));
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"A\": \"lots\"}");
        assertMessage("weights file " + bad + ": value of 'A' is not a number", () -> DomainWeights.parse(bad.toString()));
    }

    @Test
    void presetAgainstCorpusWithExtraDomainIsAnErrorByDefault() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                DomainWeights.resolve(DomainWeights.preset("static-sheared"), CORPUS, DomainWeights.Mismatch.ERROR, s -> { }));
        assertEquals("domain weights do not match the corpus: corpus domains without a weight [TinyStories]; name every corpus "
                + "domain in the weights (weight 0 excludes one) or allow renormalisation", e.getMessage());
    }

    @Test
    void explicitZeroWeightExcludesADomain() {
        LinkedHashMap<String, Double> w = DomainWeights.preset("static-sheared");
        w.put("TinyStories", 0.0);
        Map<String, Double> r = DomainWeights.resolve(w, CORPUS, DomainWeights.Mismatch.ERROR, s -> { });
        assertEquals(DomainWeights.preset("static-sheared").keySet(), r.keySet());
        r.forEach((k, v) -> assertEquals(DomainWeights.preset("static-sheared").get(k), v, 1e-15));
    }

    @Test
    void renormalisationDropsUnmatchedDomainsWithWarnings() {
        List<String> warnings = new ArrayList<>();
        List<String> corpus = List.of(CC, C4, BOOK, "TinyStories");
        Map<String, Double> r = DomainWeights.resolve(DomainWeights.preset("static-llama"), corpus, DomainWeights.Mismatch.RENORMALISE, warnings::add);
        // kept: CC 0.67, C4 0.15, Book 0.045 -> Σ 0.865
        assertEquals(0.67 / 0.865, r.get(CC), 1e-12);
        assertEquals(0.15 / 0.865, r.get(C4), 1e-12);
        assertEquals(0.045 / 0.865, r.get(BOOK), 1e-12);
        assertEquals(3, r.size());
        assertEquals(2, warnings.size());
        assertEquals("WARNING: weighted domains [RedPajamaGithub, RedPajamaWikipedia, RedPajamaArXiv, RedPajamaStackExchange] "
                + "are not in the corpus; their weight 0.1350 is dropped and the rest renormalised", warnings.get(0));
        assertTrue(warnings.get(1).startsWith("WARNING: corpus domains [TinyStories] have no weight and are not sampled"), warnings.get(1));
    }

    @Test
    void samplerForSpecIsDynamicOnlyForDynamicPresets() {
        List<String> warnings = new ArrayList<>();
        DomainSampler d = DomainSampler.forSpec("dynamic-llama", CORPUS, DomainWeights.Mismatch.RENORMALISE, 1, null, warnings::add);
        assertEquals(DomainSampler.Dynamic.defaults(), d.dynamic());
        assertEquals(DomainWeights.SLIMPAJAMA_DOMAINS, d.domains());
        assertEquals(1, warnings.size(), "TinyStories is reported as not sampled");
        DomainSampler s = DomainSampler.forSpec("static-sheared", CORPUS, DomainWeights.Mismatch.RENORMALISE, 1,
                DomainSampler.Dynamic.defaults(), x -> { });
        assertEquals(null, s.dynamic());
        DomainSampler u = DomainSampler.forSpec("TinyStories=1,RedPajamaC4=3", CORPUS.subList(2, 3), DomainWeights.Mismatch.RENORMALISE,
                1, null, x -> { });
        assertEquals(List.of("RedPajamaC4"), u.domains());
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable ex) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, ex).getMessage());
    }
}
