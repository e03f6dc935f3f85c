package io.moe4j.train.run;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.train.BatchSource;
import io.moe4j.train.TinyModels;
import io.moe4j.train.Trainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    record S(int x) {}

    @Test
    void roundTripRestoresWeightsMomentsAndGateNoiseExactly(@TempDir Path tmp) {
        RunDir run = RunDir.open(tmp.resolve("run"), "train", RunConfig.canonical(new S(1), Set.of()), false, m -> { });
        Trainer t = new Trainer(TinyModels.moe(11), TinyModels.options(1e-2, 1));
        BatchSource src = TinyModels.fixed(3, 4, 12, 5);
        for (int s = 1; s <= 3; s++) t.step(src, s);
        Path dir = Checkpoint.write(run, 3, t, "state-3".getBytes(StandardCharsets.UTF_8), null, TinyModels.tok512());
        assertEquals(run.checkpointDir(3), dir);
        assertTrue(Files.isRegularFile(dir.resolve("model/tokenizer.bin")), "tokenizer travels with the weights");

        Checkpoint.Loaded l = Checkpoint.read(dir, run.hash());
        Trainer u = new Trainer(l.model(), TinyModels.options(1e-2, 1));
        l.restoreInto(u);
        assertEquals(3, l.step());
        assertArrayEquals(t.buffer().data(), u.buffer().data());
        assertArrayEquals(t.optimizer().state().m(), u.optimizer().state().m());
        assertArrayEquals(t.optimizer().state().v(), u.optimizer().state().v());
        assertEquals(3, u.optimizer().state().step());
        assertArrayEquals(t.gateNoise(), u.gateNoise());
        assertEquals("state-3", new String(l.sourceState(), StandardCharsets.UTF_8));

        // both continue identically
        BatchSource a = TinyModels.fixed(1, 4, 12, 8), b = TinyModels.fixed(1, 4, 12, 8);
        for (int s = 4; s <= 5; s++) assertEquals(t.step(a, s).loss(), u.step(b, s).loss());
        assertArrayEquals(t.buffer().data(), u.buffer().data());
    }

    @Test
    void onlyTheNewestCompleteCheckpointIsKeptAndHalfWrittenOnesAreIgnored(@TempDir Path tmp) throws Exception {
        RunDir run = RunDir.open(tmp.resolve("run"), "train", RunConfig.canonical(new S(2), Set.of()), false, m -> { });
        Trainer t = new Trainer(TinyModels.dense(1), TinyModels.options(1e-2, 1));
        Checkpoint.write(run, 2, t, new byte[0], null, null);
        Checkpoint.write(run, 4, t, new byte[0], null, null);
        assertFalse(Files.exists(run.checkpointDir(2)), "older checkpoint removed after the newer one is complete");
        Path torn = run.checkpointsDir().resolve("step-00000006.tmp");
        Files.createDirectories(torn.resolve("model"));
        Path noState = run.checkpointDir(8);
        Files.createDirectories(noState);
        assertEquals(run.checkpointDir(4), run.latestCheckpoint().orElseThrow());
        Checkpoint.removeIncomplete(run);
        assertFalse(Files.exists(torn));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(run.checkpointDir(4), "other"));
        assertTrue(e.getMessage().contains("another configuration"), e.getMessage());
    }
}
