package io.moe4j.train.sft;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.train.TinyModels;
import io.moe4j.train.run.RunSummary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftRunTest {
    private static Path resource(String name) throws Exception {
        return Path.of(SftRunTest.class.getResource("/sft/" + name).toURI());
    }

    @Test
    void aShortRunLowersTheHeldOutAssistantLoss(@TempDir Path tmp) throws Exception {
        Path moe = TinyModels.stories260KMoe(tmp.resolve("moe"));
        List<String> log = new ArrayList<>();
        RunSummary s = SftRun.run(SftSettings.builder(moe, resource("fastchat_dummy_80.sharegpt.json"), tmp.resolve("run"))
                .seqLen(192).batch(4).accum(1).steps(12).lr(3e-3).valExamples(8).freezeRouter(true).checkpointEvery(0).build(), log::add);
        System.out.println(s.table());
        double before = s.before().get("assistant"), after = s.after().get("assistant");
        assertTrue(after < before - 0.2, "assistant-token loss " + before + " -> " + after);
        String all = String.join("\n", log);
        assertTrue(all.contains("72 examples -> "), "training-data report: " + all);
        assertTrue(all.contains("truncated"), all);
    }

    @Test
    @Tag("slow")
    void onTheSharedDollyDataTheAssistantLossFalls(@TempDir Path tmp) throws Exception {
        Path data = TinyModels.shared("data/sft/dolly_hhrlhf_small.sharegpt.json");
        Path moe = TinyModels.stories260KMoe(tmp.resolve("moe"));
        List<String> log = new ArrayList<>();
        RunSummary s = SftRun.run(SftSettings.builder(moe, data, tmp.resolve("run")).seqLen(512).batch(8).accum(1).steps(40)
                .lr(2e-3).valExamples(32).checkpointEvery(0).build(), log::add);
        log.forEach(System.out::println);
        System.out.println(s.table());
        assertTrue(s.after().get("assistant") < s.before().get("assistant"), s.before() + " -> " + s.after());
    }
}
