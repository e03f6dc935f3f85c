package io.moe4j.eval.tasks;

import io.moe4j.eval.harness.DocSource;
import io.moe4j.eval.harness.Metrics;
import io.moe4j.eval.harness.PyText;
import io.moe4j.eval.harness.TaskSpec;
import io.moe4j.eval.harness.TaskSpec.Kind;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The eleven tasks of the LLaMA-MoE results table, each one definition transcribing its
 * lm-eval yaml / utils.py (cited per task; see eval/TASKS.md for rendered prompts), over the
 * files described in shared/data/PROVENANCE.md section 4. Default shots and headline metrics
 * are the paper's (shots from its column titles; metrics as Sheared-LLaMA's icl_eval README,
 * whose baseline numbers the paper's table reuses).
 */
public final class Tasks {
    private Tasks() {}

    /** Task names in the paper's column order. */
    public static final List<String> NAMES = List.of("sciq", "piqa", "winogrande", "arc_easy", "arc_challenge",
            "hellaswag", "logiqa", "boolq", "lambada_openai", "nq_open", "mmlu");

    /** {@code <shared>/data/eval}, the layout of /work/shared. */
    public static Path evalRoot(Path sharedDir) {
        return sharedDir.resolve("data").resolve("eval");
    }

    /** All eleven tasks in paper order. */
    public static List<TaskSpec> paper(Path evalRoot) {
        return byNames(NAMES, evalRoot);
    }

    public static List<TaskSpec> byNames(List<String> names, Path evalRoot) {
        List<TaskSpec> out = new ArrayList<>(names.size());
        for (String n : names) {
            out.add(byName(n, evalRoot));
        }
        return out;
    }

    /** A task by its lm-eval name; unknown names throw listing the known ones. */
    public static TaskSpec byName(String name, Path evalRoot) {
        Map<String, Function<Path, TaskSpec>> all = registry();
        Function<Path, TaskSpec> f = all.get(name);
        if (f == null) {
            throw new IllegalArgumentException("unknown task '" + name + "'; known tasks: " + String.join(", ", all.keySet()));
        }
        return f.apply(evalRoot);
    }

    private static Map<String, Function<Path, TaskSpec>> registry() {
        Map<String, Function<Path, TaskSpec>> m = new LinkedHashMap<>();
        m.put("sciq", Tasks::sciq);
        m.put("piqa", Tasks::piqa);
        m.put("winogrande", Tasks::winogrande);
        m.put("arc_easy", r -> arc(r, "arc_easy", "ARC-e", 0, Metrics.ACC));
        m.put("arc_challenge", r -> arc(r, "arc_challenge", "ARC-c", 25, Metrics.ACC_NORM));
        m.put("hellaswag", Tasks::hellaswag);
        m.put("logiqa", Tasks::logiqa);
        m.put("boolq", Tasks::boolq);
        m.put("lambada_openai", Tasks::lambadaOpenai);
        m.put("nq_open", Tasks::nqOpen);
        m.put("mmlu", Tasks::mmlu);
        return m;
    }

    // ------------------------------------------------------------------ definitions

    /** lm_eval/tasks/sciq/sciq.yaml. */
    static TaskSpec sciq(Path root) {
        return TaskSpec.builder("sciq", Kind.MULTIPLE_CHOICE).displayName("SciQ")
                .evalDocs(DocSource.jsonl(root.resolve("sciq/test.jsonl")))
                .text(d -> PyText.lstrip(d.str("support")) + "\nQuestion: " + d.str("question") + "\nAnswer:")
                .choices(d -> List.of(d.str("distractor1"), d.str("distractor2"), d.str("distractor3"), d.str("correct_answer")))
                .gold(d -> 3)
                .headlineMetric(Metrics.ACC)
                .build();
    }

    /** lm_eval/tasks/piqa/piqa.yaml. */
    static TaskSpec piqa(Path root) {
        return TaskSpec.builder("piqa", Kind.MULTIPLE_CHOICE).displayName("PIQA")
                .evalDocs(DocSource.jsonl(root.resolve("piqa/validation.jsonl")))
                .text(d -> "Question: " + d.str("goal") + "\nAnswer:")
                .choices(d -> List.of(d.str("sol1"), d.str("sol2")))
                .gold(d -> d.integer("label"))
                .headlineMetric(Metrics.ACC)
                .build();
    }

    /**
     * lm_eval/tasks/winogrande/preprocess_winogrande.py: each option completes the sentence up to
     * the blank (a context), the rest of the sentence is the shared continuation.
     */
    static TaskSpec winogrande(Path root) {
        return TaskSpec.builder("winogrande", Kind.MULTIPLE_INPUT).displayName("WinoGrande")
                .evalDocs(DocSource.jsonl(root.resolve("winogrande/validation.jsonl")))
                .choices(d -> {
                    String s = d.str("sentence");
                    int blank = blank(s);
                    return List.of(s.substring(0, blank) + d.str("option1"), s.substring(0, blank) + d.str("option2"));
                })
                .target(d -> {
                    String s = d.str("sentence");
                    return PyText.strip(s.substring(blank(s) + 1));
                })
                .gold(d -> switch (d.str("answer")) {
                    case "1" -> 0;
                    case "2" -> 1;
                    default -> throw new IllegalArgumentException("answer should be \"1\" or \"2\", got \"" + d.str("answer") + "\"");
                })
                .headlineMetric(Metrics.ACC)
                .build();
    }

    private static int blank(String sentence) {
        int i = sentence.indexOf('_');
        if (i < 0) {
            throw new IllegalArgumentException("sentence has no '_' blank");
        }
        return i;
    }

    /** lm_eval/tasks/arc/arc_easy.yaml (arc_challenge includes it). Labels may be "1".."4". */
    static TaskSpec arc(Path root, String name, String display, int shots, String headline) {
        return TaskSpec.builder(name, Kind.MULTIPLE_CHOICE).displayName(display)
                .evalDocs(DocSource.jsonl(root.resolve(name + "/test.jsonl")))
                .text(d -> "Question: " + d.str("question") + "\nAnswer:")
                .choices(d -> d.strList("choices.text"))
                .gold(d -> {
                    List<String> labels = d.strList("choices.label");
                    int g = labels.indexOf(d.str("answerKey"));
                    if (g < 0) {
                        throw new IllegalArgumentException("answerKey '" + d.str("answerKey") + "' is not among labels " + labels);
                    }
                    return g;
                })
                .defaultShots(shots)
                .headlineMetric(headline)
                .build();
    }

    /** lm_eval/tasks/hellaswag/hellaswag.yaml + utils.py. */
    static TaskSpec hellaswag(Path root) {
        return TaskSpec.builder("hellaswag", Kind.MULTIPLE_CHOICE).displayName("HellaSwag")
                .evalDocs(DocSource.jsonl(root.resolve("hellaswag/validation.jsonl.gz")))
                .text(d -> hellaswagPreprocess(d.str("query")))
                .choices(d -> d.strList("endings").stream().map(Tasks::hellaswagPreprocess).toList())
                .gold(d -> d.integer("label"))
                .defaultShots(10)
                .headlineMetric(Metrics.ACC_NORM)
                .build();
    }

    private static final Pattern BRACKETED = Pattern.compile("\\[.*?\\]");

    /**
     * lm-eval's hellaswag {@code preprocess}: strip, " [title]" to ". ", drop "[...]", replace
     * double spaces once. Our file is already preprocessed by a similar extractor; applying it
     * again is a no-op except on the few items where that extractor left brackets.
     */
    static String hellaswagPreprocess(String text) {
        String t = PyText.strip(text);
        t = t.replace(" [title]", ". ");
        t = BRACKETED.matcher(t).replaceAll("");
        return t.replace("  ", " ");
    }

    /** lm_eval/tasks/logiqa/logiqa.yaml + utils_logiqa.py (data already normalised by the loader). */
    static TaskSpec logiqa(Path root) {
        return TaskSpec.builder("logiqa", Kind.MULTIPLE_CHOICE).displayName("LogiQA")
                .evalDocs(DocSource.jsonl(root.resolve("logiqa/test.jsonl")))
                .text(d -> {
                    StringBuilder b = new StringBuilder("Passage: ").append(d.str("context")).append('\n');
                    b.append("Question: ").append(d.str("question")).append("\nChoices:\n");
                    List<String> options = d.strList("options");
                    for (int i = 0; i < Math.min(4, options.size()); i++) { // Python zip stops at 4 letters
                        b.append("ABCD".charAt(i)).append(". ").append(options.get(i)).append('\n');
                    }
                    return b.append("Answer:").toString();
                })
                .choices(d -> d.strList("options"))
                .gold(d -> letterIndex("abcd", PyText.strip(d.str("label")), "label"))
                .headlineMetric(Metrics.ACC_NORM)
                .build();
    }

    /** lm_eval/tasks/super_glue/boolq/default.yaml. */
    static TaskSpec boolq(Path root) {
        return TaskSpec.builder("boolq", Kind.MULTIPLE_CHOICE).displayName("BoolQ")
                .evalDocs(DocSource.jsonl(root.resolve("boolq/validation.jsonl.gz")))
                .text(d -> d.str("passage") + "\nQuestion: " + d.str("question") + "?\nAnswer:")
                .choices(d -> List.of("no", "yes"))
                .gold(d -> d.integer("label"))
                .defaultShots(32)
                .headlineMetric(Metrics.ACC)
                .build();
    }

    /** lm_eval/tasks/lambada/lambada_openai.yaml: context = all but the last space-separated word. */
    static TaskSpec lambadaOpenai(Path root) {
        return TaskSpec.builder("lambada_openai", Kind.LOGLIKELIHOOD).displayName("LAMBADA")
                .evalDocs(DocSource.jsonl(root.resolve("lambada_openai/test.jsonl.gz")))
                .text(d -> {
                    String t = d.str("text");
                    int sp = t.lastIndexOf(' ');
                    return sp < 0 ? "" : t.substring(0, sp);
                })
                .target(d -> {
                    String t = d.str("text");
                    return " " + t.substring(t.lastIndexOf(' ') + 1);
                })
                .headlineMetric(Metrics.ACC)
                .build();
    }

    /** lm_eval/tasks/nq_open/nq_open.yaml (description, "\n" between examples, stop at \n . ,). */
    static TaskSpec nqOpen(Path root) {
        return TaskSpec.builder("nq_open", Kind.GENERATE_UNTIL).displayName("NQ")
                .evalDocs(DocSource.jsonl(root.resolve("nq_open/validation.jsonl")))
                .description("Answer these questions:\n\n")
                .text(d -> "Q: " + d.str("question") + "?\nA:")
                .targets(d -> d.strList("answer"))
                .fewshotDelimiter("\n")
                .until(List.of("\n", ".", ","))
                .maxGenTokens(256) // lm-eval HFLM's default max_gen_toks
                .defaultShots(32)
                .headlineMetric(Metrics.EXACT_MATCH)
                .build();
    }

    private static final List<String> MMLU_COLUMNS = List.of("question", "A", "B", "C", "D", "answer");

    /** lm_eval/tasks/mmlu/default/_default_template_yaml + per-subject description; dev split, first_n. */
    static TaskSpec mmlu(Path root) {
        return TaskSpec.builder("mmlu", Kind.MULTIPLE_CHOICE).displayName("MMLU")
                .evalDocs(DocSource.csvGroups(root.resolve("mmlu/test"), "_test.csv", MMLU_COLUMNS))
                .fewshotDocs(DocSource.csvGroups(root.resolve("mmlu/dev"), "_dev.csv", MMLU_COLUMNS))
                .sampler(TaskSpec.Sampler.FIRST_N)
                .description(d -> "The following are multiple choice questions (with answers) about "
                        + d.group().replace('_', ' ') + ".\n\n")
                .text(d -> PyText.strip(d.str("question")) + "\nA. " + d.str("A") + "\nB. " + d.str("B")
                        + "\nC. " + d.str("C") + "\nD. " + d.str("D") + "\nAnswer:")
                .choices(d -> List.of("A", "B", "C", "D"))
                .gold(d -> letterIndex("ABCD", PyText.strip(d.str("answer")), "answer"))
                .defaultShots(5)
                .headlineMetric(Metrics.ACC)
                .build();
    }

    private static int letterIndex(String letters, String value, String field) {
        int i = value.length() == 1 ? letters.indexOf(value.charAt(0)) : -1;
        if (i < 0) {
            throw new IllegalArgumentException("field '" + field + "' should be one of " + letters.chars()
                    .mapToObj(c -> "\"" + (char) c + "\"").toList() + ", got \"" + value + "\"");
        }
        return i;
    }
}
