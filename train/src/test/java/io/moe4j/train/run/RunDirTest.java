package io.moe4j.train.run;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirTest {
    record Settings(String sampler, double lr, int steps, Path out, boolean resume) {}

    private static ObjectNode canon(double lr) {
        return RunConfig.canonical(new Settings("static-sheared", lr, 10, Path.of("/x"), false), Set.of("out", "resume"));
    }

    @Test
    void canonicalSettingsAreSortedHashedAndExcludeResumeKeys() {
        ObjectNode c = canon(1e-3);
        assertEquals(List.of("lr", "sampler", "steps"), names(c));
        assertEquals(RunConfig.hash(c), RunConfig.hash(canon(1e-3)));
        assertNotEquals(RunConfig.hash(c), RunConfig.hash(canon(2e-3)));
        assertEquals(List.of("lr: 0.001 -> 0.002"), RunConfig.differences(c, canon(2e-3)));
    }

    private static List<String> names(ObjectNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void aStartedRunIsOnlyContinuedWithResumeAndTheSameSettings(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("run");
        RunDir run = RunDir.open(root, "train", canon(1e-3), false, m -> { });
        assertTrue(Files.isRegularFile(root.resolve(RunDir.CONFIG)));
        Files.writeString(run.metricsFile(), "{\"step\":1,\"loss\":2.0}\n");  // one step done
        IllegalArgumentException noResume = assertThrows(IllegalArgumentException.class,
                () -> RunDir.open(root, "train", canon(1e-3), false, m -> { }));
        assertTrue(noResume.getMessage().contains("--resume"), noResume.getMessage());
        IllegalArgumentException changed = assertThrows(IllegalArgumentException.class,
                () -> RunDir.open(root, "train", canon(5e-4), true, m -> { }));
        assertTrue(changed.getMessage().contains("configuration differs") && changed.getMessage().contains("lr: 0.001 -> 5.0E-4"),
                changed.getMessage());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> RunDir.open(root, "sft", canon(1e-3), true, m -> { }));
        assertTrue(other.getMessage().contains("'train' run"), other.getMessage());
        assertEquals(run.hash(), RunDir.open(root, "train", canon(1e-3), true, m -> { }).hash());
    }

    @Test
    void configJsonKeepsEverySettingAndHashesOnlyTheRunDefiningOnes(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("run");
        RunDir run = RunDir.open(root, "train", new Settings("uniform", 1e-3, 5, root, false), Set.of("out", "resume"), false, m -> { });
        var cfg = RunConfig.JSON.readTree(root.resolve(RunDir.CONFIG).toFile());
        assertEquals(run.hash(), cfg.get("hash").asText());
        assertEquals("uniform", cfg.get("settings").get("sampler").asText());
        assertFalse(cfg.get("settings").has("out"));
        assertEquals(root.toString(), cfg.get("notHashed").get("out").asText());
        assertEquals(RunConfig.hash(RunConfig.canonical(new Settings("uniform", 1e-3, 5, Path.of("/elsewhere"), true), Set.of("out", "resume"))),
                run.hash(), "moving the folder or resuming does not change the hash");
    }

    @Test
    void aRunThatNeverStartedIsSetUpAgain(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("run");
        RunDir.open(root, "train", canon(1e-3), false, m -> { });
        Files.writeString(root.resolve("reference_losses.json"), "{}");
        List<String> log = new ArrayList<>();
        RunDir again = RunDir.open(root, "train", canon(2e-3), false, log::add);
        assertEquals(RunConfig.hash(canon(2e-3)), again.hash());
        assertFalse(Files.exists(root.resolve("reference_losses.json")), "leftovers of the unstarted run are removed");
        assertTrue(log.get(0).contains("never completed a step"), log.toString());
    }

    @Test
    void aNonEmptyFolderThatIsNotARunIsRefused(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("notes.txt"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunDir.open(tmp, "train", canon(1e-3), false, m -> { }));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
    }

    @Test
    void metricsReopenedForAResumeKeepOnlyStepsUpToTheCheckpoint(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("metrics.jsonl");
        Files.writeString(f, "{\"step\":0,\"val_loss\":{\"a\":1.0}}\n{\"step\":1,\"loss\":3.5}\n{\"step\":2,\"loss\":3.25}\n"
                + "{\"step\":3,\"loss\":3.0}\n{\"step\":4,\"lo");  // killed while writing step 4
        try (MetricsLog log = MetricsLog.open(f, 2)) {
            log.append(RunConfig.objectOf(Map.of("step", 3, "loss", 2.5)));
        }
        var lines = MetricsLog.read(f);
        assertEquals(List.of(0, 1, 2, 3), lines.stream().map(n -> n.get("step").asInt()).toList());
        assertEquals(2.5, lines.get(3).get("loss").asDouble());
    }
}
