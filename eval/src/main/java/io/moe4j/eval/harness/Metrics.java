package io.moe4j.eval.harness;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * lm-eval's metric definitions, each in one place, with the lm-eval source it reproduces.
 * Per-item scores are plain doubles (1.0 / 0.0 for accuracies) so aggregation is one mean.
 */
public final class Metrics {
    private Metrics() {}

    public static final String ACC = "acc";
    public static final String ACC_NORM = "acc_norm";
    public static final String PERPLEXITY = "perplexity";
    public static final String EXACT_MATCH = "exact_match";
    /** MMLU only: unweighted mean of per-subject acc (lm-eval 0.3 era; the task-level acc is size-weighted). */
    public static final String ACC_MACRO = "acc_macro";

    /**
     * What acc_norm divides a choice's log-likelihood by. lm-eval computes
     * {@code completion_len = [float(len(c)) for c in choices]}: Python {@code len} of the choice
     * string without the target delimiter, i.e. Unicode code points. Its docs call this "byte
     * length"; for ASCII text the two agree. UTF8_BYTES is offered for comparison only.
     */
    public enum LengthUnit {
        CODE_POINTS,
        UTF8_BYTES;

        public int length(String s) {
            return this == CODE_POINTS
                    ? s.codePointCount(0, s.length())
                    : s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }
    }

    /** First index of the maximum, as numpy's argmax (a NaN counts as the maximum). */
    public static int argmax(double[] xs) {
        if (xs.length == 0) {
            throw new IllegalArgumentException("argmax of an empty array");
        }
        int best = 0;
        for (int i = 1; i < xs.length; i++) {
            if (Double.isNaN(xs[best])) {
                break;
            }
            if (Double.isNaN(xs[i]) || xs[i] > xs[best]) {
                best = i;
            }
        }
        return best;
    }

    /** acc_norm's prediction: argmax of ll_i / length(choice_i). */
    public static int argmaxNormalized(double[] lls, List<String> choices, LengthUnit unit) {
        if (lls.length != choices.size()) {
            throw new IllegalArgumentException(lls.length + " log-likelihoods for " + choices.size() + " choices");
        }
        double[] norm = new double[lls.length];
        for (int i = 0; i < lls.length; i++) {
            norm[i] = lls[i] / unit.length(choices.get(i));
        }
        return argmax(norm);
    }

    public static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }

    /** lm-eval {@code mean_stderr}: sample standard deviation (n-1) over sqrt(n); NaN for n < 2. */
    public static double meanStderr(double[] xs) {
        int n = xs.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mu = mean(xs);
        double ss = 0;
        for (double x : xs) {
            ss += (x - mu) * (x - mu);
        }
        return Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
    }

    /** lm-eval {@code perplexity} aggregation: exp(-mean(loglikelihood per item)). */
    public static double perplexity(double[] lls) {
        return Math.exp(-mean(lls));
    }

    /**
     * Standard error of {@link #perplexity} by the delta method, ppl * stderr(mean ll).
     * lm-eval bootstraps this (100k resamples); the two agree to first order and ours is
     * deterministic.
     */
    public static double perplexityStderr(double[] lls) {
        return perplexity(lls) * meanStderr(lls);
    }

    /**
     * lm-eval {@code pooled_sample_stderr}: stderr of a size-weighted group mean (MMLU) from the
     * subtasks' stderrs and sizes.
     */
    public static double pooledStderr(double[] stderrs, int[] sizes) {
        double num = 0;
        long total = 0;
        for (int i = 0; i < sizes.length; i++) {
            num += (sizes[i] - 1) * stderrs[i] * stderrs[i] * sizes[i];
            total += sizes[i];
        }
        double pooledVar = num / (total - sizes.length);
        return Math.sqrt(pooledVar / total);
    }

    // ------------------------------------------------------------------ exact match (NQ-open)

    /** nq_open's {@code regexes_to_ignore}: articles; Unicode word boundaries as in Python 3. */
    private static final Pattern ARTICLES =
            Pattern.compile("\\b(?:The |the |An |A |The |a |an )", Pattern.UNICODE_CHARACTER_CLASS);
    /** Python's {@code string.punctuation}. */
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /**
     * lm-eval {@code exact_match_hf_evaluate} with nq_open's settings, in its order: delete the
     * article regex, lower-case, delete ASCII punctuation. Whitespace is NOT collapsed or
     * trimmed (lm-eval does not either).
     */
    public static String normalizeAnswer(String s) {
        String t = ARTICLES.matcher(s).replaceAll("").toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (PUNCTUATION.indexOf(c) < 0) {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** 1 if the normalised prediction equals any normalised reference (lm-eval multi-target rule). */
    public static double exactMatchAny(String prediction, List<String> references) {
        String p = normalizeAnswer(prediction);
        for (String r : references) {
            if (p.equals(normalizeAnswer(r))) {
                return 1.0;
            }
        }
        return 0.0;
    }

    /**
     * The generation filters lm-eval applies before exact match: cut at the first occurrence of
     * any stop string (lm-eval {@code s.split(term)[0]} per term), then {@code remove_whitespace}
     * ({@code lstrip}).
     */
    public static String postprocessGeneration(String raw, List<String> stops) {
        String s = raw;
        for (String stop : stops) {
            if (!stop.isEmpty()) {
                int at = s.indexOf(stop);
                if (at >= 0) {
                    s = s.substring(0, at);
                }
            }
        }
        return PyText.lstrip(s);
    }
}
