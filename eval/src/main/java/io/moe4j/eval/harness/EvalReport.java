package io.moe4j.eval.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The results of one {@link Evaluator#run}: per task, aggregated and per item. */
public record EvalReport(List<TaskResult> tasks) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public EvalReport {
        tasks = List.copyOf(tasks);
    }

    /** The result of a task by name; throws naming the available ones if absent. */
    public TaskResult task(String name) {
        for (TaskResult t : tasks) {
            if (t.task().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("no task '" + name + "' in report; it has "
                + tasks.stream().map(TaskResult::task).toList());
    }

    /** Every metric and every per-item result as JSON (NaN/Infinity become strings). */
    public void writeJson(Path file) {
        writeJson(file, true);
    }

    /**
     * As {@link #writeJson(Path)}; with {@code includePrompts = false} the per-item prompts are
     * written as null. Few-shot prompts dominate the size (the eleven paper tasks: ~200 MB with,
     * a few MB without), and the seed reproduces them exactly.
     */
    public void writeJson(Path file, boolean includePrompts) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            JSON.writeValue(file.toFile(), includePrompts ? this : withoutPrompts());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write evaluation results to " + file, e);
        }
    }

    private EvalReport withoutPrompts() {
        return new EvalReport(tasks.stream().map(t -> new TaskResult(t.task(), t.displayName(), t.shots(), t.n(),
                t.seconds(), t.itemsPerSecond(), t.headlineMetric(), t.metrics(), t.groups(),
                t.items().stream().map(i -> new ItemResult(i.task(), i.group(), i.index(), i.origin(), null, i.choices(),
                        i.continuations(), i.logLikelihoods(), i.greedy(), i.gold(), i.predicted(), i.predictedNorm(),
                        i.generation(), i.references(), i.scores())).toList())).toList());
    }

    /** Reads a report written by {@link #writeJson}. */
    public static EvalReport readJson(Path file) {
        try {
            return JSON.readValue(file.toFile(), EvalReport.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read evaluation results from " + file, e);
        }
    }
}
