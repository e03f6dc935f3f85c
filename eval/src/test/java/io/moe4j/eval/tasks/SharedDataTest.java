package io.moe4j.eval.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import io.moe4j.eval.harness.Evaluator;
import io.moe4j.eval.harness.PreparedItem;
import io.moe4j.eval.harness.ScriptedModel;
import io.moe4j.eval.harness.TaskResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The same oracle checks on the full files in /work/shared/data/eval (system property
 * moe4j.shared), including SciQ, which may not be copied into the repository. Skipped when the
 * shared folder is absent.
 */
class SharedDataTest {
    private static Path root;

    @BeforeAll
    static void locate() {
        String shared = System.getProperty("moe4j.shared");
        Path p = shared == null ? null : Tasks.evalRoot(Path.of(shared));
        root = p != null && Files.isDirectory(p) ? p : null;
    }

    private static Path root() {
        assumeTrue(root != null, "shared data not found (system property moe4j.shared)");
        return root;
    }

    /** Item counts from shared/data/PROVENANCE.md section 4; prepare() also validates every item. */
    @ParameterizedTest
    @CsvSource({"arc_easy,2376", "arc_challenge,1172", "sciq,1000", "piqa,1838", "winogrande,1267",
            "hellaswag,10042", "logiqa,651", "boolq,3270", "lambada_openai,5153", "mmlu,14042", "nq_open,3610"})
    void everyItemLoadsAndValidates(String task, int n) {
        List<PreparedItem> items = Evaluator.prepare(Tasks.byName(task, root()), 0, 0, 1L);
        assertEquals(n, items.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sciq", "piqa", "winogrande", "arc_easy", "arc_challenge", "hellaswag", "logiqa", "boolq"})
    void oracleFixedChoiceAndNormalisationOnFullData(String task) {
        int limit = task.equals("sciq") ? 0 : 300;
        TaskOracleTest.checkOracle(root(), task, limit);
        TaskOracleTest.checkFixedChoice(root(), task, limit, 0);
        TaskOracleTest.checkFixedChoice(root(), task, limit, 1);
        int differ = TaskOracleTest.checkNormalisation(root(), task, limit);
        if (!task.equals("boolq")) {
            assertTrue(differ > 0, task);
        }
    }

    @Test
    void lambadaAndNqOnFullData() {
        TaskOracleTest.checkLambada(root(), 500);
        TaskOracleTest.checkNq(root(), 500);
    }

    /** Always answering " A" scores the share of A answers, counted per subject by Python's csv module. */
    @Test
    void mmluAlwaysAMatchesPythonCountsPerSubject() throws IOException {
        JsonNode counts = TruthTable.JSON.readTree(
                TaskOracleTest.slices().resolve("mmlu/test_answer_counts_by_python_csv.json").toFile());
        ScriptedModel alwaysA = ScriptedModel.scoring(r -> r.continuation().equals(" A") ? 0.0 : -3.0);
        TaskResult res = Evaluator.run(alwaysA, List.of(Tasks.byName("mmlu", root())), 0, 0, 1L, TaskOracleTest.QUIET)
                .tasks().get(0);
        long totalA = 0;
        long total = 0;
        double macro = 0;
        for (Map.Entry<String, JsonNode> e : counts.properties()) {
            double share = e.getValue().get("A").asDouble() / e.getValue().get("n").asDouble();
            assertEquals(share, res.groups().get(e.getKey()).get("acc").value(), 1e-12, e.getKey());
            totalA += e.getValue().get("A").asLong();
            total += e.getValue().get("n").asLong();
            macro += share;
        }
        assertEquals(57, res.groups().size());
        assertEquals((double) totalA / total, res.metric("acc"), 1e-12);
        assertEquals(macro / 57, res.metric("acc_macro"), 1e-12);
    }

    /** The paper's shot counts fit every task's few-shot pool. */
    @Test
    void defaultShotsPrepareForEveryTask() {
        for (String t : Tasks.NAMES) {
            List<PreparedItem> items = Evaluator.prepare(Tasks.byName(t, root()), -1, 3, 7L);
            assertTrue(!items.isEmpty(), t);
        }
    }
}
