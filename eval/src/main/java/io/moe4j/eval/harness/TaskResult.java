package io.moe4j.eval.harness;

import java.util.List;
import java.util.Map;

/**
 * Aggregated and per-item results of one task.
 *
 * @param task           task name
 * @param displayName    column title
 * @param shots          few-shot examples per prompt
 * @param n              items scored
 * @param seconds        wall time spent in the model
 * @param itemsPerSecond n / seconds
 * @param headlineMetric the metric shown in the table
 * @param metrics        task-level metrics (for MMLU: size-weighted over subjects, plus acc_macro)
 * @param groups         per-subject metrics (MMLU), empty otherwise
 * @param items          per-item results, in evaluation order
 */
public record TaskResult(
        String task,
        String displayName,
        int shots,
        int n,
        double seconds,
        double itemsPerSecond,
        String headlineMetric,
        Map<String, MetricValue> metrics,
        Map<String, Map<String, MetricValue>> groups,
        List<ItemResult> items) {

    /** The value of a metric; throws naming the available ones if absent. */
    public double metric(String name) {
        MetricValue v = metrics.get(name);
        if (v == null) {
            throw new IllegalArgumentException("task " + task + " has no metric '" + name + "'; it has " + metrics.keySet());
        }
        return v.value();
    }

    /** The headline metric's value. */
    public double headline() {
        return metric(headlineMetric);
    }
}
