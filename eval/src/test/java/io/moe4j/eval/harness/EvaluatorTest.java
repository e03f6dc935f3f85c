package io.moe4j.eval.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Two groups ("g1": golds 0,0,1,0; "g2": golds 1,0) of two-choice items, held in memory. */
    private static TaskSpec grouped() {
        int[][] golds = {{0, 0, 1, 0}, {1, 0}};
        DocSource src = task -> {
            List<Doc> docs = new ArrayList<>();
            for (int g = 0; g < golds.length; g++) {
                for (int i = 0; i < golds[g].length; i++) {
                    ObjectNode o = JSON.createObjectNode().put("q", "g" + g + "q" + i).put("gold", golds[g][i]);
                    docs.add(new Doc(i, "g" + (g + 1), o, "mem:" + g + ":" + i));
                }
            }
            return docs;
        };
        return TaskSpec.builder("toy", TaskSpec.Kind.MULTIPLE_CHOICE).evalDocs(src)
                .text(d -> d.str("q") + "?").choices(d -> List.of("x", "yy")).gold(d -> d.integer("gold")).build();
    }

    private static final Evaluator.Options QUIET = Evaluator.Options.defaults().withLog(s -> { });

    /** Always prefers " x" (choice 0). */
    private static ScriptedModel prefersX() {
        return ScriptedModel.scoring(r -> r.continuation().equals(" x") ? 0.0 : -1.0);
    }

    @Test
    void groupedAggregationMatchesHandComputation() {
        TaskResult t = Evaluator.run(prefersX(), List.of(grouped()), 0, 0, 1L, QUIET).tasks().get(0);
        // g1: acc 1,1,0,1 -> 0.75, stderr 0.25; g2: acc 0,1 -> 0.5, stderr sqrt(0.5)/sqrt(2) = 0.5
        assertEquals(0.75, t.groups().get("g1").get("acc").value());
        assertEquals(0.25, t.groups().get("g1").get("acc").stderr(), 1e-15);
        assertEquals(0.5, t.groups().get("g2").get("acc").value());
        assertEquals(0.5, t.groups().get("g2").get("acc").stderr(), 1e-15);
        assertEquals(4.0 / 6, t.metric("acc"), 1e-15);                        // size-weighted (lm-eval)
        assertEquals(Math.sqrt(0.3125 / 6), t.metrics().get("acc").stderr(), 1e-15);
        assertEquals(0.625, t.metric("acc_macro"), 1e-15);                    // unweighted subject mean
        assertEquals(Math.sqrt(0.0625 + 0.25) / 2, t.metrics().get("acc_macro").stderr(), 1e-15);
        assertEquals(6, t.n());
        assertTrue(t.itemsPerSecond() > 0);
    }

    @Test
    void limitAppliesPerGroup() {
        TaskResult t = Evaluator.run(prefersX(), List.of(grouped()), 0, 1, 1L, QUIET).tasks().get(0);
        assertEquals(2, t.n());
        assertEquals(List.of("g1", "g2"), t.items().stream().map(ItemResult::group).toList());
    }

    @Test
    void batchingDoesNotChangeResultsAndRespectsBatchSize() {
        ScriptedModel a = ScriptedModel.scoring(r -> -r.context().length() - r.continuation().length());
        ScriptedModel b = ScriptedModel.scoring(r -> -r.context().length() - r.continuation().length());
        TaskResult ra = Evaluator.run(a, List.of(grouped()), 0, 0, 1L, QUIET.withBatchSize(5)).tasks().get(0);
        TaskResult rb = Evaluator.run(b, List.of(grouped()), 0, 0, 1L, QUIET.withBatchSize(1000)).tasks().get(0);
        assertEquals(List.of(5, 5, 2), a.batchSizes);
        assertEquals(List.of(12), b.batchSizes);
        assertEquals(a.seen, b.seen);
        for (int i = 0; i < ra.items().size(); i++) {
            assertArrayEquals(ra.items().get(i).logLikelihoods(), rb.items().get(i).logLikelihoods());
        }
        assertEquals(ra.metrics(), rb.metrics());
    }

    @Test
    void progressIsLogged() {
        List<String> lines = new ArrayList<>();
        Evaluator.run(prefersX(), List.of(grouped()), 0, 0, 1L, QUIET.withLog(lines::add));
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).matches("toy: 6 items, 0-shot, [0-9.]+ s, [0-9.]+ items/s"), lines.get(0));
    }

    @Test
    void jsonHoldsEveryItemAndReadsBack(@TempDir Path dir) throws Exception {
        EvalReport report = Evaluator.run(prefersX(), List.of(grouped()), 0, 0, 1L, QUIET);
        Path f = dir.resolve("out/results.json");
        report.writeJson(f);
        var tree = JSON.readTree(f.toFile());
        var items = tree.at("/tasks/0/items");
        assertEquals(6, items.size());
        assertEquals("g0q2?", items.get(2).get("prompt").asText());
        assertEquals(List.of(" x", " yy"), List.of(items.get(2).at("/continuations/0").asText(), items.get(2).at("/continuations/1").asText()));
        assertEquals(1, items.get(2).get("gold").asInt());
        assertEquals(0, items.get(2).get("predicted").asInt());
        assertEquals(-1.0, items.get(2).at("/logLikelihoods/1").asDouble());

        EvalReport back = EvalReport.readJson(f);
        TaskResult t0 = report.tasks().get(0);
        TaskResult t1 = back.tasks().get(0);
        assertEquals(t0.metrics(), t1.metrics());
        assertEquals(t0.groups(), t1.groups());
        assertEquals(t0.items().get(3).scores(), t1.items().get(3).scores());
        assertArrayEquals(t0.items().get(3).logLikelihoods(), t1.items().get(3).logLikelihoods());

        Path small = dir.resolve("small.json");
        report.writeJson(small, false);
        assertTrue(JSON.readTree(small.toFile()).at("/tasks/0/items/2/prompt").isNull());
        assertEquals(t0.metrics(), EvalReport.readJson(small).tasks().get(0).metrics());

        // One item per group: the stderr is undefined and travels as "NaN".
        Path g = dir.resolve("one.json");
        Evaluator.run(prefersX(), List.of(grouped()), 0, 1, 1L, QUIET).writeJson(g);
        assertEquals("NaN", JSON.readTree(g.toFile()).at("/tasks/0/groups/g1/acc/stderr").asText());
        assertTrue(Double.isNaN(EvalReport.readJson(g).tasks().get(0).groups().get("g1").get("acc").stderr()));
    }

    private static TaskResult fake(String task, String display, int shots, String metric, double v) {
        return new TaskResult(task, display, shots, 10, 1, 10, metric, Map.of(metric, new MetricValue(v, 0.012)), Map.of(), List.of());
    }

    @Test
    void tableFollowsThePaperColumnOrder() {
        EvalReport r = new EvalReport(List.of(
                fake("mmlu", "MMLU", 5, "acc", 0.268),
                fake("my_quiz", "Quiz", 0, "acc", 0.5),
                fake("sciq", "SciQ", 0, "acc", 0.876),
                fake("arc_challenge", "ARC-c", 25, "acc_norm", 0.442)));
        String table = ResultsTable.markdown("LLaMA-MoE-3.5B", r);
        String[] lines = table.split("\n");
        assertEquals("| Model | Avg | SciQ | ARC-c(25) | MMLU(5) | Quiz |", lines[0]);
        assertEquals("|---|---|---|---|---|---|", lines[1]);
        assertEquals("| LLaMA-MoE-3.5B | 52.2 | 87.6 | 44.2 | 26.8 | 50.0 |", lines[2]);

        Map<String, EvalReport> rows = new LinkedHashMap<>();
        rows.put("a", r);
        rows.put("b", new EvalReport(List.of(fake("sciq", "SciQ", 0, "acc", 0.5))));
        String two = ResultsTable.markdown(rows, true);
        assertTrue(two.contains("| a | 52.2 | 87.6 ± 1.2 | 44.2 ± 1.2 |"), two);
        assertTrue(two.contains("| b | 50.0 | 50.0 ± 1.2 | — | — | — |"), two);
    }
}
