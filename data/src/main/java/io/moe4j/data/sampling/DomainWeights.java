package io.moe4j.data.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Domain weight tables: the presets of METHOD.md §5.2 keyed by SlimPajama's
 * {@code meta.redpajama_set_name}, user tables from a file or a flag, and their reconciliation
 * with the domains a corpus actually has.
 *
 * <p><b>Domains outside the presets.</b> The presets name exactly the seven SlimPajama sets. A
 * corpus with another domain (the shared corpus has {@code TinyStories}) does not match: by default
 * that is an error. The caller either gives weights that name every corpus domain (weight 0 keeps a
 * domain out of training sampling; its validation split can still be evaluated), or opts in to
 * {@link Mismatch#RENORMALISE}, which drops unweighted corpus domains and preset domains the corpus
 * lacks, renormalises the rest and says so through the warning callback.
 */
public final class DomainWeights {
    public static final String CC = "RedPajamaCommonCrawl";
    public static final String C4 = "RedPajamaC4";
    public static final String GITHUB = "RedPajamaGithub";
    public static final String WIKIPEDIA = "RedPajamaWikipedia";
    public static final String BOOK = "RedPajamaBook";
    public static final String ARXIV = "RedPajamaArXiv";
    public static final String STACKEXCHANGE = "RedPajamaStackExchange";
    /** The seven SlimPajama domains in the order of METHOD.md §5.2. */
    public static final List<String> SLIMPAJAMA_DOMAINS = List.of(CC, C4, GITHUB, WIKIPEDIA, BOOK, ARXIV, STACKEXCHANGE);
    /** Preset names accepted by {@link #preset} and {@link #parse}. */
    public static final List<String> PRESETS = List.of("static-llama", "static-sheared", "uniform",
            "dynamic-llama", "dynamic-sheared", "dynamic-uniform");

    private static final double[] LLAMA = {0.670, 0.150, 0.045, 0.045, 0.045, 0.025, 0.020};
    private static final double[] SHEARED = {0.361, 0.492, 0.008, 0.031, 0.091, 0.007, 0.010};
    /** LLaMA-2-7B's own validation loss per SlimPajama domain (METHOD.md §5.3). */
    private static final double[] LLAMA2_7B_LOSS = {1.6917, 2.0749, 0.6984, 1.5899, 1.9252, 1.2408, 1.4975};

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How {@link #resolve} treats domains that appear on only one side. */
    public enum Mismatch {
        /** Any difference is an error naming the domains. */
        ERROR,
        /** Drop the unmatched domains, renormalise, and warn. */
        RENORMALISE
    }

    private DomainWeights() {
    }

    /** True for a preset that the dynamic rule updates (dynamic-*). */
    public static boolean isDynamicPreset(String name) {
        return PRESETS.contains(name) && name.startsWith("dynamic-");
    }

    /**
     * The initial weights of a preset: static-llama / dynamic-llama = LLaMA-1 mix, static-sheared /
     * dynamic-sheared = Sheared-LLaMA final mix, uniform / dynamic-uniform = 1/7 each.
     */
    public static LinkedHashMap<String, Double> preset(String name) {
        double[] w = switch (name) {
            case "static-llama", "dynamic-llama" -> LLAMA;
            case "static-sheared", "dynamic-sheared" -> SHEARED;
            case "uniform", "dynamic-uniform" -> null;
            default -> throw new IllegalArgumentException("unknown sampling preset '" + name + "', expected one of " + PRESETS);
        };
        LinkedHashMap<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < SLIMPAJAMA_DOMAINS.size(); i++) out.put(SLIMPAJAMA_DOMAINS.get(i), w == null ? 1.0 / 7 : w[i]);
        return out;
    }

    /** LLaMA-2-7B's per-domain losses, the paper's reference for the dynamic rule on real SlimPajama. */
    public static LinkedHashMap<String, Double> llama2ReferenceLosses() {
        LinkedHashMap<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < SLIMPAJAMA_DOMAINS.size(); i++) out.put(SLIMPAJAMA_DOMAINS.get(i), LLAMA2_7B_LOSS[i]);
        return out;
    }

    /**
     * Normalised weights from a preset name, a file (JSON object or {@code name=weight} lines; a
     * leading '@' forces file), or an inline string {@code "A=0.5,B=0.5"}.
     */
    public static LinkedHashMap<String, Double> parse(String spec) {
        if (PRESETS.contains(spec)) return preset(spec);
        return normalise(parseValues(spec));
    }

    /** Un-normalised name/value pairs from a file or inline string (used for weights and reference losses). */
    public static LinkedHashMap<String, Double> parseValues(String spec) {
        if (spec.startsWith("@")) return readFile(Path.of(spec.substring(1)));
        if (!spec.isBlank() && Files.isRegularFile(Path.of(spec))) return readFile(Path.of(spec));
        if (spec.contains("=") || spec.strip().startsWith("{")) return parseText(spec, "weights '" + spec + "'");
        throw new IllegalArgumentException("'" + spec + "' is not a preset " + PRESETS
                + ", not an existing file, and not name=weight pairs");
    }

    /** Reads a JSON object file or a {@code name=weight} lines file ('#' starts a comment). */
    public static LinkedHashMap<String, Double> readFile(Path file) {
        try {
            return parseText(Files.readString(file, StandardCharsets.UTF_8), "weights file " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read weights file " + file, e);
        }
    }

    private static LinkedHashMap<String, Double> parseText(String text, String what) {
        LinkedHashMap<String, Double> out = new LinkedHashMap<>();
        if (text.strip().startsWith("{")) {
            JsonNode root;
            try {
                root = JSON.readTree(text);
            } catch (IOException e) {
                throw new IllegalArgumentException(what + ": invalid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            if (!root.isObject()) throw new IllegalArgumentException(what + ": expected a JSON object {\"domain\": weight, ...}");
            for (Map.Entry<String, JsonNode> e : root.properties()) {
                if (!e.getValue().isNumber()) throw new IllegalArgumentException(what + ": value of '" + e.getKey() + "' is not a number");
                out.put(e.getKey(), e.getValue().asDouble());
            }
            return out;
        }
        String[] items = text.split("[,\n]");
        for (int i = 0; i < items.length; i++) {
            String item = items[i];
            int hash = item.indexOf('#');
            if (hash >= 0) item = item.substring(0, hash);
            item = item.strip();
            if (item.isEmpty()) continue;
            int eq = item.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException(what + ": item " + (i + 1) + " '" + item + "' is not name=weight");
            String name = item.substring(0, eq).strip();
            double v;
            try {
                v = Double.parseDouble(item.substring(eq + 1).strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + ": weight of '" + name + "' is not a number: '" + item.substring(eq + 1).strip() + "'");
            }
            if (out.put(name, v) != null) throw new IllegalArgumentException(what + ": domain '" + name + "' given twice");
        }
        if (out.isEmpty()) throw new IllegalArgumentException(what + ": no name=weight pairs");
        return out;
    }

    /** Checks that weights are finite and non-negative with a positive sum, and scales them to sum 1. */
    public static LinkedHashMap<String, Double> normalise(Map<String, Double> weights) {
        double sum = 0;
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            double v = e.getValue();
            if (!Double.isFinite(v) || v < 0) throw new IllegalArgumentException("weight of domain '" + e.getKey() + "' must be finite and >= 0, got " + v);
            sum += v;
        }
        if (!(sum > 0)) throw new IllegalArgumentException("domain weights sum to 0: " + weights);
        LinkedHashMap<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : weights.entrySet()) out.put(e.getKey(), e.getValue() / sum);
        return out;
    }

    /**
     * Reconciles weights with the domains a corpus has. Domains with weight 0 are dropped (never
     * sampled, not touched by the dynamic rule). Mismatches are handled per {@code policy}.
     *
     * @return normalised weights over domains that are in the corpus, in the weights' order
     */
    public static LinkedHashMap<String, Double> resolve(Map<String, Double> weights, Collection<String> corpusDomains,
                                                        Mismatch policy, Consumer<String> warn) {
        LinkedHashMap<String, Double> w = normalise(weights);
        List<String> missing = new ArrayList<>();
        double missingMass = 0;
        for (Map.Entry<String, Double> e : w.entrySet()) {
            if (!corpusDomains.contains(e.getKey()) && e.getValue() > 0) {
                missing.add(e.getKey());
                missingMass += e.getValue();
            }
        }
        List<String> extra = new ArrayList<>();
        for (String d : corpusDomains) if (!w.containsKey(d)) extra.add(d);
        if (policy == Mismatch.ERROR && (!missing.isEmpty() || !extra.isEmpty())) {
            StringBuilder sb = new StringBuilder("domain weights do not match the corpus:");
            if (!missing.isEmpty()) sb.append(" weighted domains missing from the corpus ").append(missing).append(';');
            if (!extra.isEmpty()) sb.append(" corpus domains without a weight ").append(extra).append(';');
            sb.append(" name every corpus domain in the weights (weight 0 excludes one) or allow renormalisation");
            throw new IllegalArgumentException(sb.toString());
        }
        if (!missing.isEmpty()) {
            warn.accept(String.format(Locale.ROOT, "WARNING: weighted domains %s are not in the corpus; their weight %.4f is "
                    + "dropped and the rest renormalised", missing, missingMass));
        }
        if (!extra.isEmpty()) {
            warn.accept("WARNING: corpus domains " + extra + " have no weight and are not sampled for training "
                    + "(their validation split can still be evaluated)");
        }
        LinkedHashMap<String, Double> kept = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : w.entrySet()) {
            if (e.getValue() > 0 && corpusDomains.contains(e.getKey())) kept.put(e.getKey(), e.getValue());
        }
        if (kept.isEmpty()) throw new IllegalArgumentException("no weighted domain is in the corpus " + corpusDomains);
        return normalise(kept);
    }
}
