package io.moe4j.train.cpt;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.train.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input is reported before training starts, in one line naming the option. */
class CptBadInputTest {
    @TempDir
    Path tmp;

    private String fails(UnaryOperator<CptSettings.Builder> change) {
        CptSettings.Builder b = CptSettings.builder(TinyModels.stories260K(), TinyModels.corpusTiny(), tmp.resolve("run"))
                .seqLen(32).batch(2).steps(3).warmup(1).evalBatches(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CptRun.run(change.apply(b).build(), m -> { }));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertFalse(Files.exists(tmp.resolve("run/metrics.jsonl")), "nothing was trained");
        return e.getMessage();
    }

    @Test
    void missingDataFolder() {
        String m = fails(b -> CptSettings.builder(TinyModels.stories260K(), tmp.resolve("nope"), tmp.resolve("run")));
        assertTrue(m.startsWith("--data ") && m.contains("no such file"), m);
    }

    @Test
    void unknownSampler() {
        String m = fails(b -> b.sampler("static-shearded"));
        assertTrue(m.contains("unknown --sampler 'static-shearded'") && m.contains("static-sheared"), m);
    }

    @Test
    void missingWeightsFile() {
        String m = fails(b -> b.sampler("weights:" + tmp.resolve("none.json")));
        assertTrue(m.contains("does not exist"), m);
    }

    @Test
    void sequenceLongerThanTheModelAllows() {
        String m = fails(b -> b.seqLen(1024));
        assertTrue(m.contains("--seq-len 1024") && m.contains("max_seq_len 512"), m);
    }

    @Test
    void batchBelowOne() {
        assertTrue(fails(b -> b.batch(0)).contains("--batch must be >= 1, got 0"));
        assertTrue(fails(b -> b.accum(0)).contains("--accum must be >= 1"));
    }

    @Test
    void warmupLongerThanTheRun() {
        assertTrue(fails(b -> b.warmup(10)).contains("--warmup 10 is longer than --steps 3"));
    }

    @Test
    void dynamicSamplingWithoutValidation() {
        assertTrue(fails(b -> b.sampler("dynamic-llama").evalBatches(0)).contains("--eval-batches must be >= 1"));
    }

    @Test
    void resumingIntoADifferentConfiguration() {
        CptSettings.Builder b = CptSettings.builder(TinyModels.stories260K(), TinyModels.corpusTiny(), tmp.resolve("run"))
                .seqLen(32).batch(2).steps(3).warmup(1).evalBatches(0).stopAt(1);
        CptRun.run(b.build(), m -> { });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CptRun.run(b.stopAt(0).resume(true).lr(1e-3).build(), m -> { }));
        assertTrue(e.getMessage().contains("configuration differs") && e.getMessage().contains("lr: 2.0E-4 -> 0.001"), e.getMessage());
    }
}
