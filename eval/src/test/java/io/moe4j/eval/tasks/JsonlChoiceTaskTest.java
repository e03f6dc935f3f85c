package io.moe4j.eval.tasks;

import io.moe4j.eval.harness.Evaluator;
import io.moe4j.eval.harness.LanguageModel.Request;
import io.moe4j.eval.harness.PreparedItem;
import io.moe4j.eval.harness.ScriptedModel;
import io.moe4j.eval.harness.TaskDataException;
import io.moe4j.eval.harness.TaskResult;
import io.moe4j.eval.harness.TaskSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonlChoiceTaskTest {
    @TempDir
    Path dir;

    private Path quiz() throws IOException {
        Path f = dir.resolve("quiz.jsonl");
        Files.writeString(f, """
                {"q": "2+2?", "opts": ["3", "4", "5"], "ans": "B", "idx": 1, "text": "4", "meta": {"labels": ["x", "y", "z"], "key": "y"}}
                {"q": "Capital of France?", "opts": ["Paris", "Rome", "Oslo"], "ans": "A", "idx": 0, "text": "Paris", "meta": {"labels": ["x", "y", "z"], "key": "x"}}
                {"q": "Largest planet?", "opts": ["Mars", "Venus", "Jupiter"], "ans": "C", "idx": 2, "text": "Jupiter", "meta": {"labels": ["x", "y", "z"], "key": "z"}}
                """);
        return f;
    }

    @Test
    void everyGoldModeFindsTheSameAnswers() throws IOException {
        Path f = quiz();
        List<TaskSpec> specs = List.of(
                JsonlChoiceTask.builder("t1", f).questionField("q").choicesField("opts").goldLabel("ans", List.of("A", "B", "C")).build(),
                JsonlChoiceTask.builder("t2", f).questionField("q").choicesField("opts").goldIndex("idx").build(),
                JsonlChoiceTask.builder("t3", f).questionField("q").choicesField("opts").goldText("text").build(),
                JsonlChoiceTask.builder("t4", f).questionField("q").choicesField("opts").goldLabelField("meta.key", "meta.labels").build());
        for (TaskSpec s : specs) {
            List<Integer> gold = Evaluator.prepare(s, 0, 0, 1L).stream().map(PreparedItem::gold).toList();
            assertEquals(List.of(1, 0, 2), gold, s.name());
        }
    }

    @Test
    void defaultPromptAndOracle() throws IOException {
        TaskSpec t = JsonlChoiceTask.builder("quiz", quiz()).prompt("Q: {{ q }}\nA:").choiceFields("opts").choicesField("opts")
                .goldIndex("idx").build();
        PreparedItem p = Evaluator.prepare(t, 0, 0, 1L).get(1);
        assertEquals(List.of(new Request("Q: Capital of France?\nA:", " Paris"), new Request("Q: Capital of France?\nA:", " Rome"),
                new Request("Q: Capital of France?\nA:", " Oslo")), p.requests());
        ScriptedModel oracle = ScriptedModel.scoring(r -> isRight(r) ? 0 : -1);
        TaskResult res = Evaluator.run(oracle, List.of(t), 0, 0, 1L, TaskOracleTest.QUIET).tasks().get(0);
        assertEquals(1.0, res.metric("acc"));
        // 1-shot from the same file: "Q: other\nA: its answer\n\n" + own question.
        String ctx = Evaluator.prepare(t, 1, 0, 3L).get(0).context();
        assertTrue(ctx.equals("Q: Capital of France?\nA: Paris\n\nQ: 2+2?\nA:")
                || ctx.equals("Q: Largest planet?\nA: Jupiter\n\nQ: 2+2?\nA:"), ctx);
    }

    /** The quiz's right answers, as the test knows them. */
    private static boolean isRight(Request r) {
        return r.continuation().equals(" 4") || r.continuation().equals(" Paris") || r.continuation().equals(" Jupiter");
    }

    @Test
    void badDefinitionsAndBadItems() throws IOException {
        Path f = quiz();
        assertThrows(IllegalArgumentException.class, () -> JsonlChoiceTask.builder("x", f).goldIndex("idx").build());
        assertThrows(IllegalArgumentException.class, () -> JsonlChoiceTask.builder("x", f).choicesField("opts").build());
        String m = assertThrows(IllegalArgumentException.class, () -> JsonlChoiceTask.builder("x", f).prompt("Q: {{q\nA:"))
                .getMessage();
        assertTrue(m.contains("never closed"), m);
        TaskSpec wrongField = JsonlChoiceTask.builder("x", f).questionField("question").choicesField("opts").goldIndex("idx").build();
        m = assertThrows(TaskDataException.class, () -> Evaluator.prepare(wrongField, 0, 0, 1L)).getMessage();
        assertEquals("task 'x', item 0 (" + dir.getFileName() + "/quiz.jsonl:1): doc_to_text: missing field 'question'", m);
        TaskSpec badLabel = JsonlChoiceTask.builder("x", f).questionField("q").choicesField("opts").goldLabel("ans", List.of("A", "B")).build();
        m = assertThrows(TaskDataException.class, () -> Evaluator.prepare(badLabel, 0, 0, 1L)).getMessage();
        assertTrue(m.contains("item 2") && m.contains("field 'ans' = \"C\" is not one of [A, B]"), m);
    }
}
