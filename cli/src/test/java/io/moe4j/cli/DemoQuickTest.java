package io.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** `moe4j demo --quick` runs end to end and its report holds real numbers, with the trained MoE ahead of the untrained one. */
class DemoQuickTest {
    @Test
    void quickDemoWritesAReportWhereTrainingHelpsEveryDomain() throws Exception {
        Path out = Files.createTempDirectory("demo-quick");
        assertEquals(0, Main.run("demo", "--quick", "--out", out.toString(), "--assets", ReadmeCommandsTest.root().resolve("assets").toString()));
        String report = Files.readString(out.resolve("report.md"));
        Matcher row = Pattern.compile("\\| (\\w+) \\| (\\d+) \\| ([0-9.]+) \\| ([0-9.]+) \\| ([0-9.]+) \\| (\\S+) \\|").matcher(report);
        int domains = 0;
        while (row.find()) {
            domains++;
            double untrained = Double.parseDouble(row.group(4)), trained = Double.parseDouble(row.group(5));
            assertTrue(trained < untrained, row.group(1) + ": trained " + trained + " vs untrained " + untrained);
        }
        assertEquals(8, domains, "perplexity rows for the 8 embedded domains:\n" + report);
        for (String png : new String[] {"perplexity_by_domain.png", "loss.png", "expert_load_layer00.png"})
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
    }
}
