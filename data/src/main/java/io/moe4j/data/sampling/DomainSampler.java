package io.moe4j.data.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws the domain of every packed block with probability proportional to the current weights
 * (METHOD.md §5.1: one draw per block, as {@code random.choices} does in the original), and, when
 * dynamic, updates those weights from per-domain validation losses (§5.3).
 *
 * <p>The state (weights, RNG state, update count) round-trips through {@link #toJson()} exactly,
 * so a restored sampler makes the same draws.
 */
public final class DomainSampler {

    /** The two update rules of METHOD.md §5.3. */
    public enum Rule {
        /** w ← (1−c)·softmax(log w + η·(ℓ − ℓref)) + c/K, renormalised; the difference is not clamped. */
        SHEARED_LLAMA("sheared_llama"),
        /** α = w·exp(η·max(ℓ − ℓref, 0)), w ← α/Σα (the paper's form; η = 1 in the paper, no smoothing). */
        SHEARED_LLAMA_PAPER("sheared_llama_paper");

        private final String id;

        Rule(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static Rule parse(String s) {
            for (Rule r : values()) if (r.id.equalsIgnoreCase(s) || r.name().equalsIgnoreCase(s)) return r;
            throw new IllegalArgumentException("unknown update rule '" + s + "', expected sheared_llama or sheared_llama_paper");
        }
    }

    /**
     * Dynamic-sampling settings.
     *
     * @param eta      step size η (1.0 in the original)
     * @param c        smoothing constant c of the sheared_llama rule (1e-4); each domain keeps at least about c/K
     * @param interval update every this many optimizer steps (the original: eval every ≈170 steps)
     */
    public record Dynamic(Rule rule, double eta, double c, long interval) {
        public Dynamic {
            if (!(eta > 0) || !Double.isFinite(eta)) throw new IllegalArgumentException("step size eta must be > 0, got " + eta);
            if (!(c >= 0 && c < 1)) throw new IllegalArgumentException("smoothing c must be in [0, 1), got " + c);
            if (interval <= 0) throw new IllegalArgumentException("update interval must be > 0 steps, got " + interval);
        }

        /** The settings of the original dynamic script: sheared_llama, η = 1, c = 1e-4, every 170 steps. */
        public static Dynamic defaults() {
            return new Dynamic(Rule.SHEARED_LLAMA, 1.0, 1e-4, 170);
        }
    }

    private final List<String> domains;
    private final double[] weights;
    private final Dynamic dynamic;
    private SplitMix64 rng;
    private long draws;
    private int updates;

    /**
     * @param weights initial weights by domain (normalised here; order fixes the domain indices)
     * @param dynamic null for a static sampler
     */
    public DomainSampler(Map<String, Double> weights, long seed, Dynamic dynamic) {
        LinkedHashMap<String, Double> w = DomainWeights.normalise(weights);
        this.domains = List.copyOf(w.keySet());
        this.weights = new double[domains.size()];
        for (int i = 0; i < this.weights.length; i++) this.weights[i] = w.get(domains.get(i));
        this.dynamic = dynamic;
        this.rng = new SplitMix64(seed);
    }

    /**
     * The sampler for a {@code --sampling} value: a preset name ({@link DomainWeights#PRESETS}), a weights
     * file or an inline {@code name=weight} list, reconciled with the corpus domains by
     * {@link DomainWeights#resolve}. It is dynamic exactly when {@code spec} is a {@code dynamic-*} preset;
     * {@code settings} (null = {@link Dynamic#defaults()}) then give the rule, η, c and interval. For
     * dynamic user weights, call the constructor with resolved weights and settings.
     */
    public static DomainSampler forSpec(String spec, java.util.Collection<String> corpusDomains, DomainWeights.Mismatch policy,
                                        long seed, Dynamic settings, java.util.function.Consumer<String> warn) {
        Map<String, Double> w = DomainWeights.resolve(DomainWeights.parse(spec), corpusDomains, policy, warn);
        boolean dyn = DomainWeights.isDynamicPreset(spec);
        return new DomainSampler(w, seed, dyn ? (settings == null ? Dynamic.defaults() : settings) : null);
    }

    public List<String> domains() {
        return domains;
    }

    public int indexOf(String domain) {
        int i = domains.indexOf(domain);
        if (i < 0) throw new IllegalArgumentException("sampler has no domain '" + domain + "', it has " + domains);
        return i;
    }

    /** Current weights, indexed like {@link #domains()}. */
    public double[] weights() {
        return weights.clone();
    }

    public Map<String, Double> weightMap() {
        LinkedHashMap<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < weights.length; i++) m.put(domains.get(i), weights[i]);
        return m;
    }

    public boolean isDynamic() {
        return dynamic != null;
    }

    /** The dynamic settings, or null when static. */
    public Dynamic dynamic() {
        return dynamic;
    }

    /** Number of domains drawn so far. */
    public long draws() {
        return draws;
    }

    /** Number of dynamic updates applied so far. */
    public int updates() {
        return updates;
    }

    /** Draws one domain index with probability weights[i] / Σ weights. */
    public int sample() {
        draws++;
        double sum = 0;
        for (double w : weights) sum += w;
        double u = rng.nextDouble() * sum;
        double acc = 0;
        int last = -1;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] <= 0) continue;
            acc += weights[i];
            last = i;
            if (u < acc) return i;
        }
        return last; // u landed on the rounding gap at the very top
    }

    /** True when a dynamic sampler should be updated after optimizer step {@code step} (1-based). */
    public boolean isUpdateStep(long step) {
        return dynamic != null && step > 0 && step % dynamic.interval() == 0;
    }

    /**
     * Applies the dynamic rule once.
     *
     * @param valLosses current per-domain validation losses; must name every sampled domain
     * @param refLosses reference losses (the dense parent's, or {@link DomainWeights#llama2ReferenceLosses()})
     * @return the new weights, indexed like {@link #domains()}
     */
    public double[] update(Map<String, Double> valLosses, Map<String, Double> refLosses) {
        if (dynamic == null) throw new IllegalStateException("this sampler is static; build it with a Dynamic setting to update it");
        double[] loss = lookup(valLosses, "validation losses");
        double[] ref = lookup(refLosses, "reference losses");
        double[] w = switch (dynamic.rule()) {
            case SHEARED_LLAMA -> shearedLlama(weights, loss, ref, dynamic.eta(), dynamic.c());
            case SHEARED_LLAMA_PAPER -> shearedLlamaPaper(weights, loss, ref, dynamic.eta());
        };
        System.arraycopy(w, 0, weights, 0, w.length);
        updates++;
        return w.clone();
    }

    private double[] lookup(Map<String, Double> m, String what) {
        double[] out = new double[domains.size()];
        for (int i = 0; i < out.length; i++) {
            Double v = m.get(domains.get(i));
            if (v == null) throw new IllegalArgumentException(what + " have no entry for domain '" + domains.get(i) + "' (have " + m.keySet() + ")");
            if (!Double.isFinite(v)) throw new IllegalArgumentException(what + " for domain '" + domains.get(i) + "' is " + v);
            out[i] = v;
        }
        return out;
    }

    /** The sheared_llama rule: softmax(log w + η·(ℓ − ℓref)), mixed with c/K uniform, renormalised. */
    public static double[] shearedLlama(double[] w, double[] loss, double[] ref, double eta, double c) {
        int k = w.length;
        double[] z = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            z[i] = Math.log(w[i]) + eta * (loss[i] - ref[i]);
            max = Math.max(max, z[i]);
        }
        double sum = 0;
        for (int i = 0; i < k; i++) {
            z[i] = Math.exp(z[i] - max);
            sum += z[i];
        }
        double total = 0;
        for (int i = 0; i < k; i++) {
            z[i] = (1 - c) * (z[i] / sum) + c / k;
            total += z[i];
        }
        for (int i = 0; i < k; i++) z[i] /= total;
        return z;
    }

    /** The sheared_llama_paper rule: α = w·exp(η·max(ℓ − ℓref, 0)), normalised. */
    public static double[] shearedLlamaPaper(double[] w, double[] loss, double[] ref, double eta) {
        int k = w.length;
        double[] a = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            a[i] = w[i] * Math.exp(eta * Math.max(loss[i] - ref[i], 0));
            sum += a[i];
        }
        for (int i = 0; i < k; i++) a[i] /= sum;
        return a;
    }

    // ------------------------------------------------------------------ state

    /** The full state as JSON: domains, weights, RNG state, draws, updates, dynamic settings. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode d = o.putArray("domains");
        domains.forEach(d::add);
        ArrayNode w = o.putArray("weights");
        for (double v : weights) w.add(v);
        o.put("rngState", rng.state());
        o.put("draws", draws);
        o.put("updates", updates);
        if (dynamic != null) {
            ObjectNode dy = o.putObject("dynamic");
            dy.put("rule", dynamic.rule().id());
            dy.put("eta", dynamic.eta());
            dy.put("c", dynamic.c());
            dy.put("interval", dynamic.interval());
        }
        return o;
    }

    /** Restores a sampler saved by {@link #toJson()}; its next draws equal the saved one's. */
    public static DomainSampler fromJson(JsonNode o) {
        List<String> names = new ArrayList<>();
        o.path("domains").forEach(n -> names.add(n.asText()));
        JsonNode w = o.path("weights");
        if (names.isEmpty() || w.size() != names.size()) throw new IllegalArgumentException("sampler state: domains and weights do not match");
        LinkedHashMap<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) m.put(names.get(i), 1.0);
        Dynamic dy = null;
        JsonNode dj = o.get("dynamic");
        if (dj != null && !dj.isNull()) {
            dy = new Dynamic(Rule.parse(dj.path("rule").asText()), dj.path("eta").asDouble(), dj.path("c").asDouble(),
                    dj.path("interval").asLong());
        }
        DomainSampler s = new DomainSampler(m, 0, dy);
        for (int i = 0; i < names.size(); i++) s.weights[i] = w.get(i).asDouble();
        s.rng = new SplitMix64(o.path("rngState").asLong());
        s.draws = o.path("draws").asLong();
        s.updates = o.path("updates").asInt();
        return s;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("DomainSampler{");
        for (int i = 0; i < weights.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(domains.get(i)).append('=').append(String.format(Locale.ROOT, "%.4f", weights[i]));
        }
        return sb.append(dynamic == null ? "}" : "; " + dynamic + "}").toString();
    }
}
