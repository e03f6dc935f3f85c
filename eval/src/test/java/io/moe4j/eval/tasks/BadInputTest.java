package io.moe4j.eval.tasks;

import io.moe4j.eval.harness.Evaluator;
import io.moe4j.eval.harness.LanguageModel;
import io.moe4j.eval.harness.TaskDataException;
import io.moe4j.eval.harness.TaskSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input fails with one clear message naming the task, and the item index and line where one is at fault. */
class BadInputTest {
    @TempDir
    Path root;

    private Path write(String rel, String content) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    private static String message(Class<? extends Throwable> type, Executable e) {
        return assertThrows(type, e).getMessage();
    }

    private List<?> prepare(String task, int shots) {
        return Evaluator.prepare(Tasks.byName(task, root), shots, 0, 1L);
    }

    @Test
    void unknownTaskNameListsKnownOnes() {
        String m = message(IllegalArgumentException.class, () -> Tasks.byName("arc_medium", root));
        assertTrue(m.contains("unknown task 'arc_medium'") && m.contains("arc_easy") && m.contains("mmlu"), m);
    }

    @Test
    void missingDataFile() {
        String m = message(TaskDataException.class, () -> prepare("piqa", 0));
        assertTrue(m.contains("task 'piqa'") && m.contains("not found") && m.contains("validation.jsonl"), m);
        String mm = message(TaskDataException.class, () -> prepare("mmlu", 0));
        assertTrue(mm.contains("task 'mmlu'") && mm.contains("not found"), mm);
    }

    @Test
    void emptyTaskFile() throws IOException {
        write("piqa/validation.jsonl", "\n\n");
        String m = message(TaskDataException.class, () -> prepare("piqa", 0));
        assertEquals("task 'piqa': evaluation data has no items", m);
    }

    @Test
    void goldOutOfRangeNamesItemAndLine() throws IOException {
        write("piqa/validation.jsonl", """
                {"goal": "a", "sol1": "x", "sol2": "y", "label": 0}
                {"goal": "b", "sol1": "x", "sol2": "y", "label": 1}
                {"goal": "c", "sol1": "x", "sol2": "y", "label": 2}
                """);
        String m = message(TaskDataException.class, () -> prepare("piqa", 0));
        assertEquals("task 'piqa', item 2 (piqa/validation.jsonl:3): gold index 2 out of range for 2 choices", m);
    }

    @Test
    void arcAnswerKeyNotAmongLabels() throws IOException {
        write("arc_easy/test.jsonl", "{\"question\": \"q\", \"choices\": {\"text\": [\"a\", \"b\"], \"label\": [\"A\", \"B\"]},"
                + " \"answerKey\": \"E\"}\n");
        String m = message(TaskDataException.class, () -> prepare("arc_easy", 0));
        assertTrue(m.startsWith("task 'arc_easy', item 0 (arc_easy/test.jsonl:1): gold: answerKey 'E' is not among labels"), m);
    }

    @Test
    void invalidJsonAndMissingFields() throws IOException {
        write("winogrande/validation.jsonl", "{\"sentence\": \"a _ b\", \"option1\": \"x\", \"option2\": \"y\", \"answer\": \"1\"}\n{oops\n");
        String m = message(TaskDataException.class, () -> prepare("winogrande", 0));
        assertTrue(m.startsWith("task 'winogrande', winogrande/validation.jsonl:2: invalid JSON"), m);

        write("winogrande/validation.jsonl", "{\"sentence\": \"a _ b\", \"option1\": \"x\", \"answer\": \"1\"}\n");
        m = message(TaskDataException.class, () -> prepare("winogrande", 0));
        assertTrue(m.contains("item 0 (winogrande/validation.jsonl:1)") && m.contains("missing field 'option2'"), m);

        write("winogrande/validation.jsonl", "{\"sentence\": \"no blank\", \"option1\": \"x\", \"option2\": \"y\", \"answer\": \"1\"}\n");
        m = message(TaskDataException.class, () -> prepare("winogrande", 0));
        assertTrue(m.contains("sentence has no '_' blank"), m);

        write("winogrande/validation.jsonl", "{\"sentence\": \"a _ b\", \"option1\": \"x\", \"option2\": \"y\", \"answer\": \"3\"}\n");
        m = message(TaskDataException.class, () -> prepare("winogrande", 0));
        assertTrue(m.contains("answer should be \"1\" or \"2\", got \"3\""), m);
    }

    @Test
    void mmluBadCsvAndBadAnswer() throws IOException {
        write("mmlu/test/astronomy_test.csv", "q1,a,b,c,d,A\nq2,a,b,c,D\n");
        write("mmlu/dev/astronomy_dev.csv", "q,a,b,c,d,A\n");
        String m = message(TaskDataException.class, () -> prepare("mmlu", 0));
        assertTrue(m.startsWith("task 'mmlu', test/astronomy_test.csv:2: expected 6 CSV columns"), m);

        write("mmlu/test/astronomy_test.csv", "q1,a,b,c,d,A\nq2,a,b,c,d,E\n");
        m = message(TaskDataException.class, () -> prepare("mmlu", 0));
        assertTrue(m.contains("item 1 (test/astronomy_test.csv:2)") && m.contains("got \"E\""), m);

        write("mmlu/test/astronomy_test.csv", "q1,a,b,c,d,A\n\"unterminated,a,b,c,d,B\n");
        m = message(TaskDataException.class, () -> prepare("mmlu", 0));
        assertTrue(m.contains("unterminated quoted field"), m);
    }

    @Test
    void fewShotPoolTooSmall() throws IOException {
        write("piqa/validation.jsonl", """
                {"goal": "a", "sol1": "x", "sol2": "y", "label": 0}
                {"goal": "b", "sol1": "x", "sol2": "y", "label": 1}
                """);
        String m = message(TaskDataException.class, () -> prepare("piqa", 2));
        assertTrue(m.startsWith("task 'piqa': 2-shot needs 3 few-shot candidates but the pool has 2"), m);
        assertEquals(2, prepare("piqa", 1).size());

        write("mmlu/test/astronomy_test.csv", "q1,a,b,c,d,A\n");
        write("mmlu/dev/anatomy_dev.csv", "q,a,b,c,d,A\n");
        m = message(TaskDataException.class, () -> prepare("mmlu", 1));
        assertEquals("task 'mmlu': no few-shot items for group 'astronomy'", m);
    }

    @Test
    void modelReturningTheWrongNumberOfResults() {
        TaskSpec piqa = Tasks.byName("piqa", TaskOracleTest.slices());
        LanguageModel broken = new LanguageModel() {
            @Override
            public List<LogLikelihood> loglikelihood(List<Request> requests) {
                return List.of(new LogLikelihood(0, true));
            }

            @Override
            public List<String> generateUntil(List<String> contexts, List<String> stops, int maxTokens) {
                return List.of();
            }
        };
        String m = message(IllegalStateException.class, () -> Evaluator.run(broken, List.of(piqa), 0, 3, 1L,
                TaskOracleTest.QUIET));
        assertTrue(m.startsWith("task 'piqa': model returned 1 log-likelihoods for 6 requests"), m);
    }
}
