package io.moe4j.eval.harness;

import io.moe4j.eval.harness.LanguageModel.LogLikelihood;
import io.moe4j.eval.harness.LanguageModel.Request;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs tasks against a {@link LanguageModel} the way lm-eval does: build every prompt, send
 * the requests in batches, score each item, aggregate with lm-eval's formulas.
 *
 * <p>{@code limit} keeps the first {@code limit} items (per subject for MMLU, as lm-eval limits
 * each subtask); few-shot pools always use the full split.
 */
public final class Evaluator {
    private Evaluator() {}

    private static final System.Logger LOG = System.getLogger("io.moe4j.eval");

    /**
     * @param batchSize  requests (or generations) per model call
     * @param lengthUnit what acc_norm divides by (lm-eval: code points)
     * @param log        progress lines (items/s)
     */
    public record Options(int batchSize, Metrics.LengthUnit lengthUnit, Consumer<String> log) {
        public Options {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            }
            Objects.requireNonNull(lengthUnit, "lengthUnit");
            Objects.requireNonNull(log, "log");
        }

        public static Options defaults() {
            return new Options(256, Metrics.LengthUnit.CODE_POINTS, msg -> LOG.log(System.Logger.Level.INFO, msg));
        }

        public Options withBatchSize(int b) { return new Options(b, lengthUnit, log); }
        public Options withLengthUnit(Metrics.LengthUnit u) { return new Options(batchSize, u, log); }
        public Options withLog(Consumer<String> l) { return new Options(batchSize, lengthUnit, l); }
    }

    /** {@link #run(LanguageModel, List, int, int, long, Options)} with default options. */
    public static EvalReport run(LanguageModel model, List<TaskSpec> tasks, int shots, int limit, long seed) {
        return run(model, tasks, shots, limit, seed, Options.defaults());
    }

    /**
     * Evaluates each task in order.
     *
     * @param shots few-shot examples per prompt, or -1 for each task's default (the paper's)
     * @param limit items per task (per subject for MMLU); 0 or less means all
     * @param seed  few-shot sampling seed
     */
    public static EvalReport run(LanguageModel model, List<TaskSpec> tasks, int shots, int limit, long seed,
                                 Options options) {
        List<TaskResult> results = new ArrayList<>(tasks.size());
        for (TaskSpec t : tasks) {
            results.add(runTask(model, t, shots, limit, seed, options));
        }
        return new EvalReport(results);
    }

    /** Builds the prompts and requests of a task without calling a model (for inspection and tests). */
    public static List<PreparedItem> prepare(TaskSpec spec, int shots, int limit, long seed) {
        int k = spec.shots(shots);
        Map<String, List<Doc>> eval = byGroup(spec, spec.evalDocs().load(spec.name()), "evaluation data");
        Map<String, List<Doc>> pools = spec.fewshotDocs() == null
                ? eval
                : byGroup(spec, spec.fewshotDocs().load(spec.name()), "few-shot data");
        boolean poolIsEval = spec.fewshotDocs() == null;
        List<PreparedItem> out = new ArrayList<>();
        for (Map.Entry<String, List<Doc>> g : eval.entrySet()) {
            List<Doc> pool = pools.get(g.getKey());
            if (k > 0 && pool == null) {
                throw new TaskDataException("task '" + spec.name() + "': no few-shot items for group '" + g.getKey() + "'");
            }
            validate(spec, g.getValue());
            if (!poolIsEval && k > 0) {
                validate(spec, pool);
            }
            List<Doc> docs = limit > 0 && limit < g.getValue().size() ? g.getValue().subList(0, limit) : g.getValue();
            for (Doc d : docs) {
                out.add(Prompts.prepare(spec, d, pool == null ? List.of() : pool, poolIsEval, k, seed));
            }
        }
        return out;
    }

    private static Map<String, List<Doc>> byGroup(TaskSpec spec, List<Doc> docs, String what) {
        if (docs.isEmpty()) {
            throw new TaskDataException("task '" + spec.name() + "': " + what + " has no items");
        }
        Map<String, List<Doc>> m = new LinkedHashMap<>();
        for (Doc d : docs) {
            m.computeIfAbsent(d.group(), x -> new ArrayList<>()).add(d);
        }
        return m;
    }

    /** Checks every item's fields, choices and gold up front, so bad data fails before model time is spent. */
    private static void validate(TaskSpec spec, List<Doc> docs) {
        for (Doc d : docs) {
            switch (spec.kind()) {
                case MULTIPLE_CHOICE -> {
                    Prompts.text(spec, d);
                    Prompts.gold(spec, d, Prompts.choices(spec, d).size());
                }
                case MULTIPLE_INPUT -> {
                    Prompts.gold(spec, d, Prompts.choices(spec, d).size());
                    Prompts.targets(spec, d);
                }
                case LOGLIKELIHOOD, GENERATE_UNTIL -> {
                    Prompts.text(spec, d);
                    Prompts.targets(spec, d);
                }
            }
        }
    }

    // ------------------------------------------------------------------ running one task

    static TaskResult runTask(LanguageModel model, TaskSpec spec, int shots, int limit, long seed, Options o) {
        long t0 = System.nanoTime();
        List<PreparedItem> items = prepare(spec, shots, limit, seed);
        List<ItemResult> results = spec.kind() == TaskSpec.Kind.GENERATE_UNTIL
                ? generate(model, spec, items, o, t0)
                : score(model, spec, items, o, t0);
        double secs = (System.nanoTime() - t0) / 1e9;
        double rate = results.size() / Math.max(secs, 1e-9);
        o.log().accept(String.format("%s: %d items, %d-shot, %.1f s, %.1f items/s",
                spec.name(), results.size(), spec.shots(shots), secs, rate));
        Aggregates agg = Aggregates.of(spec.kind(), results);
        return new TaskResult(spec.name(), spec.displayName(), spec.shots(shots), results.size(), secs, rate,
                spec.headlineMetric(), agg.metrics(), agg.groups(), results);
    }

    private static List<ItemResult> score(LanguageModel model, TaskSpec spec, List<PreparedItem> items, Options o,
                                          long t0) {
        List<Request> all = new ArrayList<>();
        for (PreparedItem p : items) {
            all.addAll(p.requests());
        }
        List<LogLikelihood> lls = new ArrayList<>(all.size());
        Progress progress = new Progress(spec.name(), "requests", all.size(), o.log(), t0);
        for (int from = 0; from < all.size(); from += o.batchSize()) {
            List<Request> batch = all.subList(from, Math.min(all.size(), from + o.batchSize()));
            List<LogLikelihood> got = model.loglikelihood(batch);
            checkSize(spec, got, batch.size(), "log-likelihoods");
            lls.addAll(got);
            progress.update(lls.size());
        }
        List<ItemResult> out = new ArrayList<>(items.size());
        int at = 0;
        for (PreparedItem p : items) {
            int n = p.requests().size();
            out.add(scoreItem(spec, p, lls.subList(at, at + n), o.lengthUnit()));
            at += n;
        }
        return out;
    }

    private static ItemResult scoreItem(TaskSpec spec, PreparedItem p, List<LogLikelihood> r, Metrics.LengthUnit unit) {
        double[] ll = new double[r.size()];
        boolean[] greedy = new boolean[r.size()];
        for (int i = 0; i < ll.length; i++) {
            ll[i] = r.get(i).logProb();
            greedy[i] = r.get(i).greedy();
        }
        Map<String, Double> scores = new LinkedHashMap<>();
        int pred = -1;
        int predNorm = -1;
        if (spec.kind() == TaskSpec.Kind.LOGLIKELIHOOD) {
            scores.put(Metrics.ACC, greedy[0] ? 1.0 : 0.0);
            scores.put(Aggregates.LOGLIKELIHOOD, ll[0]);
        } else {
            pred = Metrics.argmax(ll);
            predNorm = Metrics.argmaxNormalized(ll, p.choices(), unit);
            scores.put(Metrics.ACC, pred == p.gold() ? 1.0 : 0.0);
            scores.put(Metrics.ACC_NORM, predNorm == p.gold() ? 1.0 : 0.0);
        }
        List<String> conts = p.requests().stream().map(Request::continuation).toList();
        Doc d = p.doc();
        return new ItemResult(spec.name(), d.group(), d.index(), d.origin(), p.context(), p.choices(), conts, ll,
                greedy, p.gold(), pred, predNorm, null, p.references(), scores);
    }

    private static List<ItemResult> generate(LanguageModel model, TaskSpec spec, List<PreparedItem> items, Options o,
                                             long t0) {
        List<ItemResult> out = new ArrayList<>(items.size());
        Progress progress = new Progress(spec.name(), "generations", items.size(), o.log(), t0);
        for (int from = 0; from < items.size(); from += o.batchSize()) {
            List<PreparedItem> batch = items.subList(from, Math.min(items.size(), from + o.batchSize()));
            List<String> got = model.generateUntil(batch.stream().map(PreparedItem::context).toList(),
                    spec.until(), spec.maxGenTokens());
            checkSize(spec, got, batch.size(), "generations");
            for (int i = 0; i < batch.size(); i++) {
                PreparedItem p = batch.get(i);
                String gen = Metrics.postprocessGeneration(Objects.requireNonNull(got.get(i), "generation"), spec.until());
                Map<String, Double> scores = Map.of(Metrics.EXACT_MATCH, Metrics.exactMatchAny(gen, p.references()));
                Doc d = p.doc();
                out.add(new ItemResult(spec.name(), d.group(), d.index(), d.origin(), p.context(), List.of(),
                        List.of(), new double[0], new boolean[0], -1, -1, -1, gen, p.references(), scores));
            }
            progress.update(out.size());
        }
        return out;
    }

    private static void checkSize(TaskSpec spec, List<?> got, int expected, String what) {
        if (got == null || got.size() != expected) {
            throw new IllegalStateException("task '" + spec.name() + "': model returned "
                    + (got == null ? "null" : got.size()) + " " + what + " for " + expected + " requests");
        }
    }

    /** Logs throughput at most every 10 s, so long runs show life without flooding the log. */
    private static final class Progress {
        private final String task;
        private final String unit;
        private final int total;
        private final Consumer<String> log;
        private final long t0;
        private long lastLog;

        Progress(String task, String unit, int total, Consumer<String> log, long t0) {
            this.task = task;
            this.unit = unit;
            this.total = total;
            this.log = log;
            this.t0 = t0;
            this.lastLog = System.nanoTime();
        }

        void update(int done) {
            long now = System.nanoTime();
            if (now - lastLog > 10_000_000_000L && done < total) {
                lastLog = now;
                double secs = (now - t0) / 1e9;
                log.accept(String.format("%s: %d/%d %s, %.1f s, %.1f %s/s", task, done, total, unit, secs, done / secs, unit));
            }
        }
    }
}
