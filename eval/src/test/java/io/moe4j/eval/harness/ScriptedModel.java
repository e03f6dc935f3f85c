package io.moe4j.eval.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * A language model whose answers are written by the test: a log-likelihood per request and a
 * greedy flag, or a generation per context. It records every call so tests can check batching.
 */
public final class ScriptedModel implements LanguageModel {
    private final ToDoubleFunction<Request> score;
    private final Predicate<Request> greedy;
    private final Function<String, String> generator;
    public final List<Integer> batchSizes = new ArrayList<>();
    public final List<Request> seen = new ArrayList<>();
    public final List<String> seenContexts = new ArrayList<>();
    public List<String> seenStops;
    public int seenMaxTokens;

    public ScriptedModel(ToDoubleFunction<Request> score, Predicate<Request> greedy, Function<String, String> generator) {
        this.score = score;
        this.greedy = greedy;
        this.generator = generator;
    }

    /** Log-likelihoods only; greedy when the score is 0 (the model's favourite). */
    public static ScriptedModel scoring(ToDoubleFunction<Request> score) {
        return new ScriptedModel(score, r -> score.applyAsDouble(r) == 0.0, c -> {
            throw new AssertionError("generation not expected");
        });
    }

    public static ScriptedModel generating(Function<String, String> generator) {
        return new ScriptedModel(r -> {
            throw new AssertionError("log-likelihood not expected");
        }, r -> false, generator);
    }

    @Override
    public List<LogLikelihood> loglikelihood(List<Request> requests) {
        batchSizes.add(requests.size());
        List<LogLikelihood> out = new ArrayList<>(requests.size());
        for (Request r : requests) {
            seen.add(r);
            out.add(new LogLikelihood(score.applyAsDouble(r), greedy.test(r)));
        }
        return out;
    }

    @Override
    public List<String> generateUntil(List<String> contexts, List<String> stops, int maxTokens) {
        batchSizes.add(contexts.size());
        seenStops = stops;
        seenMaxTokens = maxTokens;
        List<String> out = new ArrayList<>(contexts.size());
        for (String c : contexts) {
            seenContexts.add(c);
            out.add(generator.apply(c));
        }
        return out;
    }
}
