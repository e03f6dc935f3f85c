package io.moe4j.eval.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moe4j.eval.harness.LanguageModel.Request;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * What a test knows about each item, read from the raw data file by the test's own code (not
 * the harness's): a key that occurs in the item's prompt, the choice strings as lm-eval defines
 * them, and the gold index. It lets scripted models recognise "which choice of which item is
 * this request?" and lets tests count expected accuracies independently.
 */
final class TruthTable {
    private TruthTable() {}

    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param key        text that occurs in the prompt of this item (0-shot)
     * @param choices    lm-eval doc_to_choice strings (for WinoGrande: sentence prefix + option)
     * @param gold       right choice, or -1 for non-choice tasks
     * @param references LAMBADA: the last word; NQ: the aliases; WinoGrande: the text after the blank
     */
    record Truth(String key, List<String> choices, int gold, List<String> references) {}

    private static final Map<String, List<Truth>> READ = Collections.synchronizedMap(new HashMap<>());

    /** The truths of the first {@code limit} items (per subject for MMLU; 0 = all), cached per file. */
    static List<Truth> read(Path root, String task, int limit) {
        return READ.computeIfAbsent(root + "|" + task + "|" + limit, k -> List.copyOf(readUncached(root, task, limit)));
    }

    private static List<Truth> readUncached(Path root, String task, int limit) {
        return switch (task) {
            case "arc_easy", "arc_challenge" -> map(rows(root.resolve(task + "/test.jsonl"), limit), d -> {
                List<String> labels = strings(d.at("/choices/label"));
                return new Truth("Question: " + d.get("question").asText() + "\nAnswer:", strings(d.at("/choices/text")),
                        labels.indexOf(d.get("answerKey").asText()), List.of());
            });
            case "sciq" -> map(rows(root.resolve("sciq/test.jsonl"), limit), d -> new Truth(
                    "\nQuestion: " + d.get("question").asText() + "\nAnswer:",
                    List.of(d.get("distractor1").asText(), d.get("distractor2").asText(), d.get("distractor3").asText(),
                            d.get("correct_answer").asText()), 3, List.of()));
            case "piqa" -> map(rows(root.resolve("piqa/validation.jsonl"), limit), d -> new Truth(
                    "Question: " + d.get("goal").asText() + "\nAnswer:",
                    List.of(d.get("sol1").asText(), d.get("sol2").asText()), d.get("label").asInt(), List.of()));
            case "hellaswag" -> map(rows(root.resolve("hellaswag/validation.jsonl.gz"), limit), d -> {
                // lm-eval's preprocess, written out here from utils.py: drop [..], collapse "  " once.
                List<String> endings = new ArrayList<>();
                for (String e : strings(d.get("endings"))) {
                    endings.add(e.strip().replaceAll("\\[.*?\\]", "").replace("  ", " "));
                }
                String q = d.get("query").asText();
                int cut = q.indexOf('[');
                return new Truth(cut < 0 ? q : q.substring(0, cut), endings, d.get("label").asInt(), List.of());
            });
            case "logiqa" -> map(rows(root.resolve("logiqa/test.jsonl"), limit), d -> new Truth(
                    "Passage: " + d.get("context").asText() + "\nQuestion: " + d.get("question").asText() + "\n",
                    strings(d.get("options")),
                    "abcd".indexOf(d.get("label").asText()), List.of()));
            case "boolq" -> map(rows(root.resolve("boolq/validation.jsonl.gz"), limit), d -> new Truth(
                    d.get("passage").asText() + "\nQuestion: " + d.get("question").asText() + "?\nAnswer:",
                    List.of("no", "yes"), d.get("label").asInt(), List.of()));
            case "winogrande" -> map(rows(root.resolve("winogrande/validation.jsonl"), limit), d -> {
                String s = d.get("sentence").asText();
                String prefix = s.substring(0, s.indexOf('_'));
                String after = s.substring(s.indexOf('_') + 1).strip();
                return new Truth(prefix, List.of(prefix + d.get("option1").asText(), prefix + d.get("option2").asText()),
                        d.get("answer").asText().equals("1") ? 0 : 1, List.of(after));
            });
            case "lambada_openai" -> map(rows(root.resolve("lambada_openai/test.jsonl.gz"), limit), d -> {
                String[] words = d.get("text").asText().split(" ", -1);
                return new Truth(String.join(" ", List.of(words).subList(0, words.length - 1)), List.of(), -1,
                        List.of(words[words.length - 1]));
            });
            case "nq_open" -> map(rows(root.resolve("nq_open/validation.jsonl"), limit), d -> new Truth(
                    "Q: " + d.get("question").asText() + "?\nA:", List.of(), -1, strings(d.get("answer"))));
            case "mmlu" -> mmluFromPythonRows(root, limit);
            default -> throw new IllegalArgumentException(task);
        };
    }

    /** MMLU rows as parsed by Python's csv module (a golden file next to the slices). */
    private static List<Truth> mmluFromPythonRows(Path root, int limit) {
        Path golden = root.resolve("mmlu/rows_by_python_csv.json");
        try {
            JsonNode all = JSON.readTree(golden.toFile());
            List<Truth> out = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : all.properties()) {
                if (!e.getKey().startsWith("mmlu/test/")) {
                    continue;
                }
                int n = 0;
                for (JsonNode row : e.getValue()) {
                    if (limit > 0 && n++ >= limit) {
                        break;
                    }
                    out.add(new Truth(row.get(0).asText().strip() + "\nA. " + row.get(1).asText() + "\n",
                            List.of("A", "B", "C", "D"), "ABCD".indexOf(row.get(5).asText()), List.of()));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface RowFn {
        Truth apply(JsonNode d);
    }

    private static List<Truth> map(List<JsonNode> rows, RowFn f) {
        List<Truth> out = new ArrayList<>(rows.size());
        for (JsonNode r : rows) {
            out.add(f.apply(r));
        }
        return out;
    }

    static List<JsonNode> rows(Path file, int limit) {
        List<JsonNode> out = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && (limit <= 0 || out.size() < limit)) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    // ------------------------------------------------------------------ recognising requests

    private static final Map<List<Truth>, Map<String, List<Integer>>> CANDIDATES =
            Collections.synchronizedMap(new IdentityHashMap<>());

    /** Which item and which choice a multiple-choice/-input request scores. */
    record Hit(int item, int choice) {}

    /**
     * Finds the item whose key occurs in the request context and the choice the request scores.
     * MULTIPLE_INPUT (WinoGrande): the context ends with the choice and the continuation is the
     * shared remainder. Fails loudly when the match is ambiguous in a way that changes the answer.
     */
    static Hit locate(List<Truth> truths, Request r, boolean multipleInput) {
        // Items whose key occurs in this context, memoised: every choice and every run asks again.
        List<Integer> candidates = CANDIDATES.computeIfAbsent(truths, x -> new HashMap<>()).computeIfAbsent(r.context(), c -> {
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < truths.size(); i++) {
                if (c.contains(truths.get(i).key())) {
                    out.add(i);
                }
            }
            return out;
        });
        Hit found = null;
        for (int i : candidates) {
            Truth t = truths.get(i);
            int c = -1;
            for (int j = 0; j < t.choices().size(); j++) {
                boolean match = multipleInput
                        ? r.context().endsWith(t.choices().get(j)) && r.continuation().equals(" " + t.references().get(0))
                        : r.continuation().equals(" " + t.choices().get(j));
                if (match) {
                    c = j;
                    break;
                }
            }
            if (c < 0) {
                continue;
            }
            Hit h = new Hit(i, c);
            if (found != null && (found.choice() != c || truths.get(found.item()).gold() != t.gold())) {
                throw new AssertionError("ambiguous request " + r + ": items " + found.item() + " and " + i);
            }
            if (found == null) {
                found = h;
            }
        }
        if (found == null) {
            throw new AssertionError("no item matches request " + r);
        }
        return found;
    }
}
