package io.moe4j.eval.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Markdown results table in the column order of the LLaMA-MoE paper (README "Foundation
 * models"): SciQ, PIQA, WinoGrande, ARC-e, ARC-c(25), HellaSwag(10), LogiQA, BoolQ(32), LAMBADA,
 * NQ(32), MMLU(5), then any other task in run order, then the unweighted average of the row.
 * Each cell is the task's headline metric in percent; a column title carries its shot count
 * when it is not zero.
 */
public final class ResultsTable {
    private ResultsTable() {}

    /** lm-eval task names in the paper's column order. */
    public static final List<String> PAPER_ORDER = List.of("sciq", "piqa", "winogrande", "arc_easy", "arc_challenge",
            "hellaswag", "logiqa", "boolq", "lambada_openai", "nq_open", "mmlu");

    /** One-row table. */
    public static String markdown(String model, EvalReport report) {
        Map<String, EvalReport> rows = new LinkedHashMap<>();
        rows.put(model, report);
        return markdown(rows, false);
    }

    /**
     * @param rows        model name to its report, in row order
     * @param withStderr  print "value ± stderr" (both in percent)
     */
    public static String markdown(Map<String, EvalReport> rows, boolean withStderr) {
        List<TaskResult> columns = columns(rows);
        StringBuilder b = new StringBuilder("| Model | Avg |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (TaskResult c : columns) {
            b.append(' ').append(c.displayName()).append(c.shots() > 0 ? "(" + c.shots() + ")" : "").append(" |");
            rule.append("---|");
        }
        b.append('\n').append(rule).append('\n');
        for (Map.Entry<String, EvalReport> row : rows.entrySet()) {
            StringBuilder cells = new StringBuilder();
            double sum = 0;
            int n = 0;
            for (TaskResult c : columns) {
                TaskResult t = find(row.getValue(), c.task());
                if (t == null) {
                    cells.append(" — |");
                    continue;
                }
                double v = scale(t.headlineMetric(), t.headline());
                sum += v;
                n++;
                cells.append(' ').append(String.format("%.1f", v));
                if (withStderr) {
                    double se = scale(t.headlineMetric(), t.metrics().get(t.headlineMetric()).stderr());
                    cells.append(String.format(" ± %.1f", se));
                }
                cells.append(" |");
            }
            b.append("| ").append(row.getKey()).append(" | ").append(n == 0 ? "—" : String.format("%.1f", sum / n))
                    .append(" |").append(cells).append('\n');
        }
        return b.toString();
    }

    /** Accuracies are shown in percent; perplexity as is. */
    private static double scale(String metric, double v) {
        return metric.equals(Metrics.PERPLEXITY) ? v : 100 * v;
    }

    private static List<TaskResult> columns(Map<String, EvalReport> rows) {
        Map<String, TaskResult> seen = new LinkedHashMap<>();
        for (EvalReport r : rows.values()) {
            for (TaskResult t : r.tasks()) {
                seen.putIfAbsent(t.task(), t);
            }
        }
        List<TaskResult> cols = new ArrayList<>();
        for (String name : PAPER_ORDER) {
            if (seen.containsKey(name)) {
                cols.add(seen.remove(name));
            }
        }
        cols.addAll(seen.values());
        return cols;
    }

    private static TaskResult find(EvalReport r, String task) {
        for (TaskResult t : r.tasks()) {
            if (t.task().equals(task)) {
                return t;
            }
        }
        return null;
    }
}
