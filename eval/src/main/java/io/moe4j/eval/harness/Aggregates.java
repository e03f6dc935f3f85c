package io.moe4j.eval.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Task-level numbers from per-item scores, with lm-eval's aggregation and stderr for each
 * metric. Grouped tasks (MMLU) also get per-group numbers; the task-level value is lm-eval's
 * size-weighted group mean (= the mean over all items) with its pooled stderr, plus the
 * unweighted subject mean as {@link Metrics#ACC_MACRO}.
 */
record Aggregates(Map<String, MetricValue> metrics, Map<String, Map<String, MetricValue>> groups) {

    /** Per-item key holding the raw log-likelihood that perplexity aggregates. */
    static final String LOGLIKELIHOOD = "loglikelihood";

    static List<String> metricNames(TaskSpec.Kind kind) {
        return switch (kind) {
            case MULTIPLE_CHOICE, MULTIPLE_INPUT -> List.of(Metrics.ACC, Metrics.ACC_NORM);
            case LOGLIKELIHOOD -> List.of(Metrics.ACC, Metrics.PERPLEXITY);
            case GENERATE_UNTIL -> List.of(Metrics.EXACT_MATCH);
        };
    }

    static Aggregates of(TaskSpec.Kind kind, List<ItemResult> items) {
        List<String> names = metricNames(kind);
        Map<String, List<ItemResult>> byGroup = new LinkedHashMap<>();
        for (ItemResult r : items) {
            byGroup.computeIfAbsent(r.group(), g -> new ArrayList<>()).add(r);
        }
        Map<String, MetricValue> flat = aggregate(names, items);
        boolean grouped = !(byGroup.size() == 1 && byGroup.containsKey(""));
        if (!grouped || items.isEmpty()) {
            return new Aggregates(flat, Map.of());
        }
        Map<String, Map<String, MetricValue>> groups = new LinkedHashMap<>();
        for (Map.Entry<String, List<ItemResult>> e : byGroup.entrySet()) {
            groups.put(e.getKey(), aggregate(names, e.getValue()));
        }
        Map<String, MetricValue> overall = new LinkedHashMap<>();
        int[] sizes = byGroup.values().stream().mapToInt(List::size).toArray();
        for (String m : names) {
            if (m.equals(Metrics.PERPLEXITY)) {
                overall.put(m, flat.get(m));
                continue;
            }
            double[] se = groups.values().stream().mapToDouble(g -> g.get(m).stderr()).toArray();
            overall.put(m, new MetricValue(flat.get(m).value(), Metrics.pooledStderr(se, sizes)));
        }
        if (names.contains(Metrics.ACC)) {
            overall.put(Metrics.ACC_MACRO, macro(groups));
        }
        return new Aggregates(overall, groups);
    }

    private static Map<String, MetricValue> aggregate(List<String> names, List<ItemResult> items) {
        Map<String, MetricValue> out = new LinkedHashMap<>();
        for (String m : names) {
            String key = m.equals(Metrics.PERPLEXITY) ? LOGLIKELIHOOD : m;
            double[] xs = items.stream().mapToDouble(r -> r.scores().get(key)).toArray();
            out.put(m, m.equals(Metrics.PERPLEXITY)
                    ? new MetricValue(Metrics.perplexity(xs), Metrics.perplexityStderr(xs))
                    : new MetricValue(Metrics.mean(xs), Metrics.meanStderr(xs)));
        }
        return out;
    }

    /** Unweighted mean of per-group acc; stderr assumes independent groups: sqrt(sum se^2) / G. */
    private static MetricValue macro(Map<String, Map<String, MetricValue>> groups) {
        double sum = 0;
        double var = 0;
        for (Map<String, MetricValue> g : groups.values()) {
            MetricValue v = g.get(Metrics.ACC);
            sum += v.value();
            var += v.stderr() * v.stderr();
        }
        int n = groups.size();
        return new MetricValue(sum / n, Math.sqrt(var) / n);
    }
}
