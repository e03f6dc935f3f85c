package io.moe4j.eval.tasks;

import io.moe4j.eval.harness.Evaluator;
import io.moe4j.eval.harness.ItemResult;
import io.moe4j.eval.harness.LanguageModel.Request;
import io.moe4j.eval.harness.ScriptedModel;
import io.moe4j.eval.harness.TaskResult;
import io.moe4j.eval.tasks.TruthTable.Hit;
import io.moe4j.eval.tasks.TruthTable.Truth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * For every task, scripted models with hand-chosen log-likelihoods: an oracle that prefers
 * the gold answer must score 100%; a model that always prefers choice j must score the share
 * of items whose gold is j, counted from the raw file by the test; and acc_norm must differ
 * from acc exactly on the items where dividing by the choice length moves the argmax.
 * Runs on the slices in src/test/resources (SciQ only with /work/shared, see SharedDataTest).
 */
class TaskOracleTest {

    static final Evaluator.Options QUIET = Evaluator.Options.defaults().withLog(s -> { }).withBatchSize(7);

    static Path slices() {
        try {
            return Path.of(TaskOracleTest.class.getResource("/eval-slices").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static TaskResult run(Path root, String task, ScriptedModel model, int shots, int limit) {
        return Evaluator.run(model, List.of(Tasks.byName(task, root)), shots, limit, 1234L, QUIET).tasks().get(0);
    }

    /**
     * The first index whose choice text equals choice j's: identical continuations get identical
     * log-likelihoods and argmax takes the first, so on items with duplicate choices (two in
     * SciQ) no model can pick the later copy, in lm-eval as here.
     */
    static int reachable(Truth t, int j) {
        return t.choices().indexOf(t.choices().get(j));
    }

    /** The choice-scoring part shared by the slice and the shared-data tests. */
    static void checkOracle(Path root, String task, int limit) {
        List<Truth> truths = TruthTable.read(root, task, limit);
        boolean mi = task.equals("winogrande");
        ScriptedModel oracle = ScriptedModel.scoring(r -> {
            Hit h = TruthTable.locate(truths, r, mi);
            return h.choice() == truths.get(h.item()).gold() ? 0.0 : -5.0 - h.choice();
        });
        TaskResult res = run(root, task, oracle, 0, limit);
        long reachable = truths.stream().filter(t -> reachable(t, t.gold()) == t.gold()).count();
        assertEquals(truths.size(), res.n(), task + " item count");
        assertEquals((double) reachable / truths.size(), res.metric("acc"), 1e-12, task + " acc of the gold oracle");
        assertEquals((double) reachable / truths.size(), res.metric("acc_norm"), 1e-12, task + " acc_norm of the gold oracle");
        if (!task.equals("sciq")) {
            assertEquals(truths.size(), reachable, task + " has no duplicate choices");
        }
    }

    static void checkFixedChoice(Path root, String task, int limit, int j) {
        List<Truth> truths = TruthTable.read(root, task, limit);
        boolean mi = task.equals("winogrande");
        ScriptedModel fixed = ScriptedModel.scoring(r -> TruthTable.locate(truths, r, mi).choice() == j ? 0.0 : -5.0);
        TaskResult res = run(root, task, fixed, 0, limit);
        long goldIsJ = truths.stream().filter(t -> t.gold() == reachable(t, j)).count();
        assertEquals((double) goldIsJ / truths.size(), res.metric("acc"), 1e-12, task + " acc when always choosing " + j);
    }

    /**
     * A log-likelihood proportional to the choice's length times a pseudo-random factor in
     * [1, 1.05): raw argmax favours short choices, the normalised one the smallest factor, so
     * the two disagree on a good share of items.
     */
    static double lengthyScore(Truth t, int j) {
        String c = t.choices().get(j);
        double u = 1 + 0.05 * Math.floorMod(t.key().hashCode() * 31 + j * 7919, 1000) / 1000.0;
        return -u * c.codePointCount(0, c.length());
    }

    /** Returns how many items had acc != acc_norm. */
    static int checkNormalisation(Path root, String task, int limit) {
        List<Truth> truths = TruthTable.read(root, task, limit);
        boolean mi = task.equals("winogrande");
        ScriptedModel m = ScriptedModel.scoring(r -> {
            Hit h = TruthTable.locate(truths, r, mi);
            return lengthyScore(truths.get(h.item()), h.choice());
        });
        TaskResult res = run(root, task, m, 0, limit);
        int differ = 0;
        for (ItemResult it : res.items()) {
            Truth t = truths.get(TruthTable.locate(truths, new Request(
                    mi ? it.prompt() + it.choices().get(0) : it.prompt(), it.continuations().get(0)), mi).item());
            int raw = 0;
            int norm = 0;
            for (int j = 1; j < t.choices().size(); j++) {
                String cj = t.choices().get(j);
                String cn = t.choices().get(norm);
                // duplicate choices are scored alike (the model cannot tell them apart)
                double sj = lengthyScore(t, reachable(t, j));
                if (sj > lengthyScore(t, reachable(t, raw))) {
                    raw = j;
                }
                if (sj / cj.codePointCount(0, cj.length())
                        > lengthyScore(t, reachable(t, norm)) / cn.codePointCount(0, cn.length())) {
                    norm = j;
                }
            }
            assertEquals(raw, it.predicted(), task + " item " + it.index() + " argmax");
            assertEquals(norm, it.predictedNorm(), task + " item " + it.index() + " normalised argmax");
            assertEquals(raw == t.gold() ? 1.0 : 0.0, it.scores().get("acc"));
            assertEquals(norm == t.gold() ? 1.0 : 0.0, it.scores().get("acc_norm"));
            if (!it.scores().get("acc").equals(it.scores().get("acc_norm"))) {
                assertTrue(raw != norm, "acc and acc_norm may only differ where the argmax moved");
                differ++;
            }
        }
        return differ;
    }

    @ParameterizedTest
    @ValueSource(strings = {"piqa", "winogrande", "arc_easy", "arc_challenge", "hellaswag", "logiqa", "boolq", "mmlu"})
    void goldOracleScoresPerfectly(String task) {
        checkOracle(slices(), task, 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"piqa", "winogrande", "arc_easy", "arc_challenge", "hellaswag", "logiqa", "boolq", "mmlu"})
    void fixedChoiceScoresTheShareOfThatGold(String task) {
        checkFixedChoice(slices(), task, 0, 0);
        checkFixedChoice(slices(), task, 0, 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"piqa", "winogrande", "arc_easy", "arc_challenge", "hellaswag", "logiqa", "boolq"})
    void accNormDiffersExactlyWhereNormalisationMovesTheArgmax(String task) {
        assertTrue(checkNormalisation(slices(), task, 0) > 0, task + ": the scores should flip some items");
    }

    @Test
    void equalLengthChoicesNeverSplitAccAndAccNorm() {
        // MMLU's choices "A".."D" have equal lengths, so dividing by length cannot move the argmax.
        assertEquals(0, checkNormalisation(slices(), "mmlu", 0));
    }

    @Test
    void mmluLimitAppliesPerSubjectAndFixedAMatchesPythonCounts() {
        List<Truth> truths = TruthTable.read(slices(), "mmlu", 4);
        assertEquals(12, truths.size()); // 3 subjects x 4
        checkFixedChoice(slices(), "mmlu", 4, 0);
        checkOracle(slices(), "mmlu", 4);
    }

    // ------------------------------------------------------------------ LAMBADA

    static void checkLambada(Path root, int limit) {
        List<Truth> truths = TruthTable.read(root, "lambada_openai", limit);
        ScriptedModel oracle = new ScriptedModel(r -> -0.05 * r.continuation().length(), r -> true, c -> "");
        TaskResult res = run(root, "lambada_openai", oracle, 0, limit);
        double sum = 0;
        for (int i = 0; i < truths.size(); i++) {
            Truth t = truths.get(i);
            Request r = oracle.seen.get(i);
            assertEquals(t.key(), r.context(), "context is the text without its last word");
            assertEquals(" " + t.references().get(0), r.continuation(), "continuation is ' ' + last word");
            sum += 0.05 * (1 + t.references().get(0).length());
        }
        assertEquals(1.0, res.metric("acc"));
        assertEquals(Math.exp(sum / truths.size()), res.metric("perplexity"), 1e-9);

        ScriptedModel evenWords = new ScriptedModel(r -> -1.0, r -> r.continuation().length() % 2 == 1, c -> "");
        TaskResult res2 = run(root, "lambada_openai", evenWords, 0, limit);
        long even = truths.stream().filter(t -> t.references().get(0).length() % 2 == 0).count();
        assertEquals((double) even / truths.size(), res2.metric("acc"), 1e-12);
        assertEquals(Math.E, res2.metric("perplexity"), 1e-12);
    }

    @Test
    void lambadaGreedyAccuracyAndPerplexity() {
        checkLambada(slices(), 0);
    }

    // ------------------------------------------------------------------ NQ-open

    static void checkNq(Path root, int limit) {
        List<Truth> truths = TruthTable.read(root, "nq_open", limit);
        // The best a model can do: answer with an alias that contains no stop string ("U.S." cannot be generated).
        ScriptedModel oracle = ScriptedModel.generating(c -> " " + find(truths, c).references().stream()
                .filter(TaskOracleTest::stopFree).findFirst().orElse("?") + "\nQ: next?");
        TaskResult res = run(root, "nq_open", oracle, 0, limit);
        long answerable = truths.stream().filter(t -> t.references().stream().anyMatch(TaskOracleTest::stopFree)).count();
        assertEquals((double) answerable / truths.size(), res.metric("exact_match"), 1e-12);
        assertEquals(List.of("\n", ".", ","), oracle.seenStops);
        assertEquals(256, oracle.seenMaxTokens);

        // "The " + last alias + ", ...": the cut at "," and the article rule make it match,
        // unless the alias itself contains a stop string.
        ScriptedModel lastAlias = ScriptedModel.generating(c -> {
            List<String> a = find(truths, c).references();
            String last = a.get(a.size() - 1);
            return stopFree(last) ? "  The " + last + ", I think." : "zzz";
        });
        TaskResult res2 = run(root, "nq_open", lastAlias, 0, limit);
        long clean = truths.stream().map(t -> t.references().get(t.references().size() - 1))
                .filter(TaskOracleTest::stopFree).count();
        assertEquals((double) clean / truths.size(), res2.metric("exact_match"), 1e-12);

        TaskResult res3 = run(root, "nq_open", ScriptedModel.generating(c -> " Paris"), 0, limit);
        assertEquals(0.0, res3.metric("exact_match"));
    }

    private static boolean stopFree(String alias) {
        return !alias.contains(".") && !alias.contains(",") && !alias.contains("\n");
    }

    private static Truth find(List<Truth> truths, String context) {
        for (Truth t : truths) {
            if (context.endsWith(t.key())) {
                return t;
            }
        }
        throw new AssertionError("no question matches " + context);
    }

    @Test
    void nqExactMatchAgainstAnyAlias() {
        checkNq(slices(), 0);
    }
}
