package io.moe4j.eval.harness;

import io.moe4j.eval.harness.LanguageModel.Request;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Turns a task definition and an item into the exact strings lm-eval would send: few-shot
 * sampling ({@code ContextSampler.get_context}), context assembly
 * ({@code ConfigurableTask.fewshot_context}) and request construction
 * ({@code construct_requests}).
 */
final class Prompts {
    private Prompts() {}

    /** Everything needed to score one item; see {@link Evaluator#prepare}. */
    static PreparedItem prepare(TaskSpec spec, Doc doc, List<Doc> pool, boolean poolIsEval, int shots, long seed) {
        List<Doc> examples = shots == 0 ? List.of() : fewshot(spec, doc, pool, poolIsEval, shots, seed);
        StringBuilder ctx = new StringBuilder(guard(spec, doc, "description", () -> spec.description().apply(doc)));
        for (Doc ex : examples) {
            ctx.append(example(spec, ex));
        }
        return switch (spec.kind()) {
            case MULTIPLE_CHOICE -> {
                List<String> choices = choices(spec, doc);
                int gold = gold(spec, doc, choices.size());
                String context = ctx.append(text(spec, doc)).toString();
                List<Request> reqs = new ArrayList<>(choices.size());
                for (String c : choices) {
                    reqs.add(new Request(context, spec.targetDelimiter() + c));
                }
                yield new PreparedItem(doc, context, choices, gold, List.of(), reqs);
            }
            case MULTIPLE_INPUT -> {
                // WinoGrande partial scoring: the option is part of the context, the shared
                // remainder of the sentence is the continuation.
                List<String> choices = choices(spec, doc);
                int gold = gold(spec, doc, choices.size());
                String target = targets(spec, doc).get(0);
                String prefix = ctx.toString();
                List<Request> reqs = new ArrayList<>(choices.size());
                for (String c : choices) {
                    reqs.add(new Request(prefix + c, spec.targetDelimiter() + target));
                }
                yield new PreparedItem(doc, prefix, choices, gold, List.of(target), reqs);
            }
            case LOGLIKELIHOOD -> {
                // lm-eval's loglikelihood output type sends doc_to_target as is: no delimiter.
                String context = ctx.append(text(spec, doc)).toString();
                String target = targets(spec, doc).get(0);
                yield new PreparedItem(doc, context, List.of(), -1, List.of(target), List.of(new Request(context, target)));
            }
            case GENERATE_UNTIL -> {
                String context = ctx.append(text(spec, doc)).toString();
                yield new PreparedItem(doc, context, List.of(), -1, targets(spec, doc), List.of());
            }
        };
    }

    /**
     * One labelled few-shot example: question + delimiter + answer + few-shot delimiter, where a
     * "multiple input" example shows its gold option in place of the question; like lm-eval, an
     * empty answer drops both delimiters.
     */
    static String example(TaskSpec spec, Doc ex) {
        String question;
        String answer;
        switch (spec.kind()) {
            case MULTIPLE_CHOICE -> {
                List<String> choices = choices(spec, ex);
                question = text(spec, ex);
                answer = choices.get(gold(spec, ex, choices.size()));
            }
            case MULTIPLE_INPUT -> {
                List<String> choices = choices(spec, ex);
                question = choices.get(gold(spec, ex, choices.size()));
                answer = targets(spec, ex).get(0);
            }
            default -> {
                question = text(spec, ex);
                answer = targets(spec, ex).get(0);
            }
        }
        return answer.isEmpty() ? question : question + spec.targetDelimiter() + answer + spec.fewshotDelimiter();
    }

    /**
     * lm-eval's sampler: when the pool is the evaluation split itself it draws k+1 and drops the
     * current item, then keeps the first k. The random draw is seeded per (seed, task, group,
     * item) so an item's prompt does not depend on which other items are evaluated.
     */
    static List<Doc> fewshot(TaskSpec spec, Doc doc, List<Doc> pool, boolean poolIsEval, int k, long seed) {
        int need = poolIsEval ? k + 1 : k;
        if (pool.size() < need) {
            throw new TaskDataException("task '" + spec.name() + "': " + k + "-shot needs " + need
                    + " few-shot candidates but the pool" + (doc.group().isEmpty() ? "" : " for '" + doc.group() + "'")
                    + " has " + pool.size() + (poolIsEval ? " (the evaluation split, current item excluded)" : ""));
        }
        List<Doc> drawn = new ArrayList<>(need);
        if (spec.sampler() == TaskSpec.Sampler.FIRST_N) {
            drawn.addAll(pool.subList(0, need));
        } else {
            SplittableRandom rng = new SplittableRandom(mix(seed, spec.name(), doc.group(), doc.index()));
            Set<Integer> picked = new LinkedHashSet<>();
            while (picked.size() < need) {
                picked.add(rng.nextInt(pool.size()));
            }
            for (int i : picked) {
                drawn.add(pool.get(i));
            }
        }
        List<Doc> out = new ArrayList<>(k);
        for (Doc d : drawn) {
            boolean same = poolIsEval && d.index() == doc.index() && d.group().equals(doc.group());
            if (!same && out.size() < k) {
                out.add(d);
            }
        }
        return out;
    }

    private static long mix(long seed, String task, String group, int index) {
        long h = seed;
        h = h * 0x9E3779B97F4A7C15L + task.hashCode();
        h = h * 0x9E3779B97F4A7C15L + group.hashCode();
        h = h * 0x9E3779B97F4A7C15L + index;
        return h;
    }

    // ------------------------------------------------------------------ checked field access

    static String text(TaskSpec spec, Doc doc) {
        return guard(spec, doc, "doc_to_text", () -> spec.text().apply(doc));
    }

    static List<String> choices(TaskSpec spec, Doc doc) {
        List<String> c = guard(spec, doc, "doc_to_choice", () -> spec.choices().apply(doc));
        if (c.isEmpty()) {
            throw TaskDataException.forItem(spec.name(), doc, "no choices", null);
        }
        return c;
    }

    static int gold(TaskSpec spec, Doc doc, int nChoices) {
        int g = guard(spec, doc, "gold", () -> spec.gold().applyAsInt(doc));
        if (g < 0 || g >= nChoices) {
            throw TaskDataException.forItem(spec.name(), doc,
                    "gold index " + g + " out of range for " + nChoices + " choices", null);
        }
        return g;
    }

    static List<String> targets(TaskSpec spec, Doc doc) {
        List<String> t = guard(spec, doc, "doc_to_target", () -> spec.targets().apply(doc));
        if (t.isEmpty()) {
            throw TaskDataException.forItem(spec.name(), doc, "no target", null);
        }
        return t;
    }

    private interface Thunk<T> {
        T get();
    }

    /** Runs a prompt function and turns any failure into a message naming task, item and line. */
    private static <T> T guard(TaskSpec spec, Doc doc, String what, Thunk<T> f) {
        try {
            T v = f.get();
            if (v == null) {
                throw TaskDataException.forItem(spec.name(), doc, what + " returned null", null);
            }
            return v;
        } catch (TaskDataException e) {
            throw e;
        } catch (RuntimeException e) {
            throw TaskDataException.forItem(spec.name(), doc, what + ": " + e.getMessage(), e);
        }
    }
}
