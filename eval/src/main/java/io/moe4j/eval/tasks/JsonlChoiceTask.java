package io.moe4j.eval.tasks;

import io.moe4j.eval.harness.Doc;
import io.moe4j.eval.harness.DocSource;
import io.moe4j.eval.harness.TaskSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * A multiple-choice task over the user's own JSONL file, named by fields rather than code:
 * <pre>{@code
 * TaskSpec t = JsonlChoiceTask.builder("my_quiz", Path.of("quiz.jsonl"))
 *         .prompt("Question: {{question}}\nAnswer:")   // lm-eval's usual format (the default)
 *         .choicesField("options")                      // or .choiceFields("sol1", "sol2")
 *         .goldLabel("answer", List.of("A", "B", "C", "D")) // or goldIndex / goldText / goldLabelField
 *         .build();
 * }</pre>
 * Scoring is lm-eval's multiple_choice: each choice is scored as " " + choice after the prompt;
 * acc and acc_norm. Few-shot examples are drawn from the same file (current item excluded)
 * unless {@link Builder#fewshotFile} names another.
 */
public final class JsonlChoiceTask {
    private JsonlChoiceTask() {}

    public static Builder builder(String name, Path file) {
        return new Builder(name, file);
    }

    public static final class Builder {
        private final String name;
        private final Path file;
        private Path fewshotFile;
        private String displayName;
        private Template prompt = Template.parse("Question: {{question}}\nAnswer:");
        private Function<Doc, List<String>> choices;
        private ToIntFunction<Doc> gold;
        private int shots;
        private String headline;
        private String targetDelimiter = " ";
        private String fewshotDelimiter = "\n\n";

        private Builder(String name, Path file) {
            this.name = Objects.requireNonNull(name, "name");
            this.file = Objects.requireNonNull(file, "file");
        }

        /** Prompt template with {@code {{field}}} placeholders. */
        public Builder prompt(String template) {
            this.prompt = Template.parse(template);
            return this;
        }

        /** Shorthand for the prompt "Question: {{field}}\nAnswer:". */
        public Builder questionField(String field) {
            return prompt("Question: {{" + field + "}}\nAnswer:");
        }

        /** Choices are the strings of one array field. */
        public Builder choicesField(String field) {
            this.choices = d -> d.strList(field);
            return this;
        }

        /** Choices are one field each, in order. */
        public Builder choiceFields(String... fields) {
            List<String> fs = List.of(fields);
            this.choices = d -> {
                List<String> out = new ArrayList<>(fs.size());
                for (String f : fs) {
                    out.add(d.str(f));
                }
                return out;
            };
            return this;
        }

        /** Gold is a 0-based index (JSON int or integer string). */
        public Builder goldIndex(String field) {
            this.gold = d -> d.integer(field);
            return this;
        }

        /** Gold is a label such as "B", mapped to its position in {@code labels}. */
        public Builder goldLabel(String field, List<String> labels) {
            List<String> ls = List.copyOf(labels);
            this.gold = d -> indexOf(ls, d.str(field), field);
            return this;
        }

        /** Gold is a label looked up in an array field of the same item (ARC's choices.label). */
        public Builder goldLabelField(String field, String labelsField) {
            this.gold = d -> indexOf(d.strList(labelsField), d.str(field), field);
            return this;
        }

        /** Gold is the text of the right choice. */
        public Builder goldText(String field) {
            this.gold = d -> indexOf(choices.apply(d), d.str(field), field);
            return this;
        }

        public Builder fewshotFile(Path v) { this.fewshotFile = v; return this; }
        public Builder displayName(String v) { this.displayName = v; return this; }
        public Builder shots(int v) { this.shots = v; return this; }
        public Builder headlineMetric(String v) { this.headline = v; return this; }
        public Builder targetDelimiter(String v) { this.targetDelimiter = v; return this; }
        public Builder fewshotDelimiter(String v) { this.fewshotDelimiter = v; return this; }

        public TaskSpec build() {
            if (choices == null) {
                throw new IllegalArgumentException("task " + name + ": say where the choices are (choicesField or choiceFields)");
            }
            if (gold == null) {
                throw new IllegalArgumentException("task " + name + ": say where the gold answer is (goldIndex, goldLabel, goldLabelField or goldText)");
            }
            Template p = prompt;
            return TaskSpec.builder(name, TaskSpec.Kind.MULTIPLE_CHOICE)
                    .displayName(displayName)
                    .evalDocs(DocSource.jsonl(file))
                    .fewshotDocs(fewshotFile == null ? null : DocSource.jsonl(fewshotFile))
                    .text(p::render)
                    .choices(choices)
                    .gold(gold)
                    .defaultShots(shots)
                    .headlineMetric(headline)
                    .targetDelimiter(targetDelimiter)
                    .fewshotDelimiter(fewshotDelimiter)
                    .build();
        }

        private static int indexOf(List<String> options, String value, String field) {
            int i = options.indexOf(value);
            if (i < 0) {
                throw new IllegalArgumentException("field '" + field + "' = \"" + value + "\" is not one of " + options);
            }
            return i;
        }
    }
}
