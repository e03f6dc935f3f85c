package io.moe4j.train.cpt;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.moe4j.data.cache.Prepare;
import io.moe4j.data.tokenizer.Tokenizers;
import io.moe4j.train.NonFiniteException;
import io.moe4j.train.RunSetup;
import io.moe4j.train.TinyModels;
import io.moe4j.train.run.MetricsLog;
import io.moe4j.train.run.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end continual pre-training of stories260K converted to 8 experts, top-2 (random split, sf = 4). */
class CptRunTest {
    @TempDir
    static Path shared;
    static Path moe;

    @BeforeAll
    static void convert() throws Exception {
        moe = TinyModels.stories260KMoe(shared.resolve("moe-8x2"));
    }

    private static CptSettings.Builder tiny(Path out) {
        return CptSettings.builder(moe, TinyModels.corpusTiny(), out).sampler("static-sheared").seqLen(64).batch(4).lr(2e-3)
                .warmup(2).steps(12).evalBatches(1).checkpointEvery(5);
    }

    @Test
    void lowersValidationLossInEveryDomain(@TempDir Path tmp) throws Exception {
        List<String> log = new ArrayList<>();
        RunSummary s = CptRun.run(tiny(tmp.resolve("run")).build(), log::add);
        assertEquals(8, s.before().size(), "all 8 validation domains, TinyStories included: " + s.before());
        for (Map.Entry<String, Double> e : s.after().entrySet())
            assertTrue(e.getValue() < s.before().get(e.getKey()), e.getKey() + ": " + s.before().get(e.getKey()) + " -> " + e.getValue());
        assertTrue(String.join("\n", log).contains("TinyStories] have no weight"), "the unweighted extra domain is reported");
        List<JsonNode> m = MetricsLog.read(tmp.resolve("run/metrics.jsonl"));
        assertEquals(13, m.size(), "step 0 (validation) and 12 steps");
        JsonNode step3 = m.get(3);
        for (String k : List.of("loss", "lm_loss", "balance_loss", "lr", "grad_norm", "tokens_per_s", "expert_load", "sampler_weights"))
            assertTrue(step3.has(k), "metrics line lacks " + k + ": " + step3);
        assertEquals(5, step3.get("expert_load").size(), "one load row per layer");
        assertEquals(4 * 64 * 2, sum(step3.get("expert_load").get(0)), "B*T tokens, k = 2 slots each");
        assertTrue(step3.get("balance_loss").asDouble() > 0);
        for (String png : List.of("loss.png", "val_loss.png", "sampler_weights.png", "expert_load_layer00.png", "expert_load_layer04.png")) {
            Path p = tmp.resolve("run/plots/" + png);
            byte[] head = Files.readAllBytes(p);
            assertTrue(head.length > 2000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', png + " is not a PNG");
        }
        assertTrue(Files.isRegularFile(tmp.resolve("run/model/config.json")));
        assertTrue(Files.isRegularFile(tmp.resolve("run/checkpoints/step-00000012/state.json")));
        assertTrue(Files.isRegularFile(tmp.resolve("run/summary.json")));
    }

    /** The report run in miniature: the shared 8-domain corpus, T = 256 (stories260K allows 512). */
    @Test
    @Tag("slow")
    void lowersValidationLossInEveryDomainOfTheSharedCorpus(@TempDir Path tmp) {
        Path corpus = TinyModels.shared("data/corpus");
        RunSummary s = CptRun.run(CptSettings.builder(moe, corpus, tmp.resolve("run")).sampler("static-sheared").seqLen(256).batch(8)
                .lr(2e-3).warmup(10).steps(100).evalBatches(4).evalEvery(50).checkpointEvery(50).build(), System.out::println);
        System.out.println(s.table());
        assertEquals(8, s.after().size());
        for (Map.Entry<String, Double> e : s.after().entrySet())
            assertTrue(e.getValue() < s.before().get(e.getKey()), e.getKey() + ": " + s.before().get(e.getKey()) + " -> " + e.getValue());
    }

    private static int sum(JsonNode a) {
        int s = 0;
        for (JsonNode n : a) s += n.asInt();
        return s;
    }

    @Test
    void dynamicSamplingMeasuresReferenceLossesOnceAndMovesTheWeights(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("dyn");
        CptRun.run(tiny(out).sampler("dynamic-sheared").steps(4).updateEvery(2).build(), m -> { });
        assertTrue(Files.isRegularFile(out.resolve(ReferenceLosses.FILE)));
        List<JsonNode> m = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertTrue(m.get(2).has("val_loss"), "an update step is evaluated");
        assertEquals(m.get(1).get("sampler_weights"), m.get(2).get("sampler_weights"), "weights of steps 1 and 2 are the initial ones");
        assertNotEquals(m.get(2).get("sampler_weights"), m.get(3).get("sampler_weights"), "step 3 uses the updated weights");
    }

    @Test
    void weightsFileMayNameTheExtraDomain(@TempDir Path tmp) throws Exception {
        Path w = tmp.resolve("mix.txt");
        Files.writeString(w, "TinyStories=0.5\nRedPajamaC4=0.5\nRedPajamaArXiv=0\nRedPajamaBook=0\nRedPajamaCommonCrawl=0\n"
                + "RedPajamaGithub=0\nRedPajamaStackExchange=0\nRedPajamaWikipedia=0\n");
        Path out = tmp.resolve("w");
        CptRun.run(tiny(out).sampler("weights:" + w).domainMismatch("error").steps(2).build(), m -> { });
        JsonNode weights = MetricsLog.read(out.resolve("metrics.jsonl")).get(1).get("sampler_weights");
        assertEquals(0.5, weights.get("TinyStories").asDouble(), 1e-12);
        assertEquals(2, weights.size());
    }

    @Test
    void aPreparedCacheIsUsedAsIsAndChecked(@TempDir Path tmp) throws Exception {
        Path cache = tmp.resolve("cache");
        Prepare.run(TinyModels.corpusTiny(), Tokenizers.load(TinyModels.tok512()), RunSetup.sha256(TinyModels.tok512()), cache, 1,
                Prepare.Progress.none(), Prepare.Options.defaults().withLog(m -> { }));
        CptRun.run(tiny(tmp.resolve("r")).data(cache).steps(2).build(), m -> { });
        assertFalse(Files.exists(tmp.resolve("r/cache")), "no second tokenisation");
        Path other = tmp.resolve("other-cache");
        Prepare.run(TinyModels.corpusTiny(), Tokenizers.load(TinyModels.tok512()), "some-other-tokenizer", other, 1,
                Prepare.Progress.none(), Prepare.Options.defaults().withLog(m -> { }));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CptRun.run(tiny(tmp.resolve("r2")).data(other).steps(2).build(), m -> { }));
        assertTrue(e.getMessage().contains("made with tokenizer some-other-tokenizer"), e.getMessage());
    }

    @Test
    void aPresetIsRefusedUnderStrictDomainMatching(@TempDir Path tmp) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CptRun.run(tiny(tmp.resolve("x")).domainMismatch("error").build(), m -> { }));
        assertTrue(e.getMessage().contains("TinyStories"), e.getMessage());
    }

    @Test
    void divergenceStopsTheRunNamingTheParameterAndKeepsTheLastCheckpoint(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("nan");
        NonFiniteException e = assertThrows(NonFiniteException.class,
                () -> CptRun.run(tiny(out).lr(1e30).warmup(0).schedule("constant").clip(0).checkpointEvery(1).build(), m -> { }));
        assertNotNull(e.parameter(), e.getMessage());
        assertTrue(e.getMessage().contains("'" + e.parameter() + "'") && e.getMessage().contains("last good checkpoint"), e.getMessage());
        Path good = out.resolve(String.format("checkpoints/step-%08d", e.step() - 1));
        assertTrue(Files.isRegularFile(good.resolve("state.json")), "last good checkpoint kept: " + e.getMessage());

        Path skip = tmp.resolve("skip");
        RunSummaryHolder.run(tiny(skip).lr(1e30).warmup(0).schedule("constant").clip(0).steps(4).evalBatches(0).skipNonFinite(true).build());
        long skipped = MetricsLog.read(skip.resolve("metrics.jsonl")).stream().filter(n -> n.path("skipped").asBoolean()).count();
        assertTrue(skipped >= 1, "later steps are skipped, not fatal");
    }

    /** Keeps the lambda noise out of the test above. */
    private static final class RunSummaryHolder {
        static void run(CptSettings s) {
            CptRun.run(s, m -> { });
        }
    }
}
