package io.moe4j.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moe4j.nn.LlamaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The outcome of a run: validation losses at the first and the last evaluation (read back from metrics.jsonl, so a
 * resumed run reports the same "before" as the original), and where the model, checkpoint and plots are.
 *
 * @param before     losses at the first evaluation (step {@code beforeStep}, 0 for a run that evaluates), empty when none
 * @param after      losses at the last evaluation (step {@code afterStep})
 * @param checkpoint the last checkpoint written
 */
public record RunSummary(Path runDir, int steps, int beforeStep, LinkedHashMap<String, Double> before, int afterStep,
                         LinkedHashMap<String, Double> after, Path modelDir, Path checkpoint, List<Path> plots) {

    /** Saves the final model, draws the plots and writes summary.json; {@link #table()} gives the before/after table. */
    public static RunSummary finish(RunDir run, LlamaModel model, Path tokenizer, int steps, Path checkpoint, Consumer<String> log) {
        try {
            Checkpoint.saveModel(model, run.modelDir(), tokenizer);
            List<Path> plots = Plots.write(run.metricsFile(), run.plotsDir());
            LinkedHashMap<String, Double> before = new LinkedHashMap<>(), after = new LinkedHashMap<>();
            int beforeStep = -1, afterStep = -1;
            for (JsonNode n : MetricsLog.read(run.metricsFile())) {
                JsonNode v = n.get("val_loss");
                if (v == null || !v.isObject()) continue;
                if (beforeStep < 0) {
                    beforeStep = n.get("step").asInt();
                    fill(before, v);
                }
                afterStep = n.get("step").asInt();
                after.clear();
                fill(after, v);
            }
            RunSummary s = new RunSummary(run.root(), steps, beforeStep, before, afterStep, after, run.modelDir(), checkpoint, plots);
            ObjectNode o = RunConfig.JSON.createObjectNode();
            o.put("steps", steps);
            o.put("beforeStep", beforeStep);
            o.put("afterStep", afterStep);
            o.set("before", RunConfig.JSON.valueToTree(before));
            o.set("after", RunConfig.JSON.valueToTree(after));
            o.put("model", run.modelDir().toString());
            o.put("checkpoint", checkpoint == null ? null : checkpoint.toString());
            RunDir.writeAtomically(run.summaryFile(), RunConfig.JSON.writeValueAsBytes(o));
            log.accept("model: " + run.modelDir() + "  plots: " + run.plotsDir() + "  metrics: " + run.metricsFile());
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish run " + run.root() + ": " + e.getMessage(), e);
        }
    }

    private static void fill(LinkedHashMap<String, Double> m, JsonNode v) {
        v.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asDouble()));
    }

    /** The per-domain before/after table as text. */
    public String table() {
        if (after.isEmpty()) return "no validation losses were measured";
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-26s %12s %12s %9s%n", "validation loss",
                "step " + beforeStep, "step " + afterStep, "change"));
        double sb0 = 0, sa = 0;
        for (String d : after.keySet()) {
            double a = after.get(d), b = before.getOrDefault(d, Double.NaN);
            sb.append(String.format(Locale.ROOT, "%-26s %12.4f %12.4f %+9.4f%n", d, b, a, a - b));
            sb0 += b;
            sa += a;
        }
        int n = after.size();
        sb.append(String.format(Locale.ROOT, "%-26s %12.4f %12.4f %+9.4f", "mean", sb0 / n, sa / n, (sa - sb0) / n));
        return sb.toString();
    }
}
