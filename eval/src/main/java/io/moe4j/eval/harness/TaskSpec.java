package io.moe4j.eval.harness;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * A declarative task: data, prompt functions and scoring, mirroring the fields of an lm-eval
 * task yaml ({@code doc_to_text}, {@code doc_to_choice}, {@code doc_to_target},
 * {@code target_delimiter}, {@code fewshot_delimiter}, {@code description}, few-shot split and
 * sampler). Adding a task is adding one instance (see {@code io.moe4j.eval.tasks.Tasks}); the
 * evaluator interprets it exactly as lm-eval's {@code ConfigurableTask} does for its
 * {@link Kind}.
 *
 * @param name             lm-eval task name, e.g. "arc_challenge"
 * @param displayName      column title in the results table, e.g. "ARC-c"
 * @param kind             how requests are built and scored
 * @param evalDocs         items to score
 * @param fewshotDocs      separate few-shot split (MMLU dev), or null to draw from {@code evalDocs}
 *                         excluding the current item, as lm-eval does when only one split exists
 * @param sampler          how few-shot examples are chosen from the pool
 * @param description      text put before everything (MMLU subject line, NQ instruction)
 * @param text             {@code doc_to_text}: the question part of the prompt (unused for MULTIPLE_INPUT)
 * @param choices          {@code doc_to_choice} (MULTIPLE_CHOICE, MULTIPLE_INPUT)
 * @param gold             index of the right choice (MULTIPLE_CHOICE, MULTIPLE_INPUT)
 * @param targets          {@code doc_to_target} strings: the continuation (LOGLIKELIHOOD), the text after
 *                         the blank (MULTIPLE_INPUT) or the accepted answers (GENERATE_UNTIL); a
 *                         few-shot example shows the first one. Unused for MULTIPLE_CHOICE.
 * @param targetDelimiter  put between prompt and answer (lm-eval default " ")
 * @param fewshotDelimiter put after each few-shot example (lm-eval default "\n\n")
 * @param defaultShots     shots used in the LLaMA-MoE paper's table
 * @param until            stop strings (GENERATE_UNTIL)
 * @param maxGenTokens     generation budget (GENERATE_UNTIL)
 * @param headlineMetric   metric shown in the results table
 */
public record TaskSpec(
        String name,
        String displayName,
        Kind kind,
        DocSource evalDocs,
        DocSource fewshotDocs,
        Sampler sampler,
        Function<Doc, String> description,
        Function<Doc, String> text,
        Function<Doc, List<String>> choices,
        ToIntFunction<Doc> gold,
        Function<Doc, List<String>> targets,
        String targetDelimiter,
        String fewshotDelimiter,
        int defaultShots,
        List<String> until,
        int maxGenTokens,
        String headlineMetric) {

    /** Request construction and scoring, one per lm-eval {@code output_type}. */
    public enum Kind {
        /** One shared context, each choice is a continuation; acc and acc_norm. */
        MULTIPLE_CHOICE,
        /** lm-eval "multiple inputs" (WinoGrande partial scoring): each choice is a context, the target is the shared continuation. */
        MULTIPLE_INPUT,
        /** One (context, target) pair; acc = greedy, perplexity (LAMBADA). */
        LOGLIKELIHOOD,
        /** Greedy generation, exact match against any accepted answer (NQ-open). */
        GENERATE_UNTIL
    }

    /** lm-eval's few-shot samplers. */
    public enum Sampler {
        /** {@code default}: a seeded random sample of the pool. */
        RANDOM,
        /** {@code first_n}: the first k pool items in file order (MMLU dev). */
        FIRST_N
    }

    public TaskSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind of task " + name);
        Objects.requireNonNull(evalDocs, "evalDocs of task " + name);
        Objects.requireNonNull(sampler, "sampler of task " + name);
        Objects.requireNonNull(description, "description of task " + name);
        Objects.requireNonNull(targetDelimiter, "targetDelimiter of task " + name);
        Objects.requireNonNull(fewshotDelimiter, "fewshotDelimiter of task " + name);
        displayName = displayName == null ? name : displayName;
        until = until == null ? List.of() : List.copyOf(until);
        switch (kind) {
            case MULTIPLE_CHOICE -> require(name, kind, text != null && choices != null && gold != null, "text, choices, gold");
            case MULTIPLE_INPUT -> require(name, kind, choices != null && gold != null && targets != null, "choices, gold, targets");
            case LOGLIKELIHOOD -> require(name, kind, text != null && targets != null, "text, targets");
            case GENERATE_UNTIL -> require(name, kind, text != null && targets != null && maxGenTokens > 0, "text, targets, maxGenTokens > 0");
        }
        if (defaultShots < 0) {
            throw new IllegalArgumentException("task " + name + ": defaultShots must be >= 0, got " + defaultShots);
        }
        if (headlineMetric == null) {
            headlineMetric = switch (kind) {
                case MULTIPLE_CHOICE, MULTIPLE_INPUT, LOGLIKELIHOOD -> Metrics.ACC;
                case GENERATE_UNTIL -> Metrics.EXACT_MATCH;
            };
        }
    }

    private static void require(String name, Kind kind, boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("task " + name + " of kind " + kind + " needs " + what);
        }
    }

    /** The few-shot count actually used for a requested count (-1 = this task's default). */
    public int shots(int requested) {
        return requested < 0 ? defaultShots : requested;
    }

    /** A copy with a different headline metric (e.g. to print acc instead of acc_norm). */
    public TaskSpec withHeadlineMetric(String metric) {
        return new TaskSpec(name, displayName, kind, evalDocs, fewshotDocs, sampler, description, text, choices,
                gold, targets, targetDelimiter, fewshotDelimiter, defaultShots, until, maxGenTokens, metric);
    }

    public static Builder builder(String name, Kind kind) {
        return new Builder(name, kind);
    }

    /** Fluent construction with lm-eval's defaults (delimiters " " and "\n\n", random sampler, 0 shots). */
    public static final class Builder {
        private final String name;
        private final Kind kind;
        private String displayName;
        private DocSource evalDocs;
        private DocSource fewshotDocs;
        private Sampler sampler = Sampler.RANDOM;
        private Function<Doc, String> description = d -> "";
        private Function<Doc, String> text;
        private Function<Doc, List<String>> choices;
        private ToIntFunction<Doc> gold;
        private Function<Doc, List<String>> targets;
        private String targetDelimiter = " ";
        private String fewshotDelimiter = "\n\n";
        private int defaultShots;
        private List<String> until = List.of();
        private int maxGenTokens;
        private String headlineMetric;

        private Builder(String name, Kind kind) {
            this.name = name;
            this.kind = kind;
        }

        public Builder displayName(String v) { this.displayName = v; return this; }
        public Builder evalDocs(DocSource v) { this.evalDocs = v; return this; }
        public Builder fewshotDocs(DocSource v) { this.fewshotDocs = v; return this; }
        public Builder sampler(Sampler v) { this.sampler = v; return this; }
        public Builder description(Function<Doc, String> v) { this.description = v; return this; }
        public Builder description(String v) { this.description = d -> v; return this; }
        public Builder text(Function<Doc, String> v) { this.text = v; return this; }
        public Builder choices(Function<Doc, List<String>> v) { this.choices = v; return this; }
        public Builder gold(ToIntFunction<Doc> v) { this.gold = v; return this; }
        public Builder targets(Function<Doc, List<String>> v) { this.targets = v; return this; }
        public Builder target(Function<Doc, String> v) { this.targets = d -> List.of(v.apply(d)); return this; }
        public Builder targetDelimiter(String v) { this.targetDelimiter = v; return this; }
        public Builder fewshotDelimiter(String v) { this.fewshotDelimiter = v; return this; }
        public Builder defaultShots(int v) { this.defaultShots = v; return this; }
        public Builder until(List<String> v) { this.until = v; return this; }
        public Builder maxGenTokens(int v) { this.maxGenTokens = v; return this; }
        public Builder headlineMetric(String v) { this.headlineMetric = v; return this; }

        public TaskSpec build() {
            return new TaskSpec(name, displayName, kind, evalDocs, fewshotDocs, sampler, description, text, choices,
                    gold, targets, targetDelimiter, fewshotDelimiter, defaultShots, until, maxGenTokens, headlineMetric);
        }
    }
}
