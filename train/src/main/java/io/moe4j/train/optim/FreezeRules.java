package io.moe4j.train.optim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which parameters stay fixed during training, chosen by name. A parameter is frozen when <em>any</em> rule
 * matches its full name.
 *
 * <p>Rules are written as strings so a run configuration can store them:
 * <ul>
 *   <li>{@code glob:PATTERN} or a bare pattern: {@code *} matches within one dotted component, {@code **} matches
 *       anything (dots included), {@code ?} one character other than a dot; the whole name must match.
 *       Example: {@code model.layers.*.mlp.gate.**}.</li>
 *   <li>{@code re:REGEX}: a Java regular expression that must match the whole name.</li>
 *   <li>{@code preset:NAME}: one of the named rules below.</li>
 * </ul>
 *
 * <p>Presets:
 * <ul>
 *   <li>{@code router}: the MoE router only. LLaMA-MoE names {@code model.layers.{l}.mlp.gate.gate_network.*}
 *       and {@code model.layers.{l}.mlp.gate.weight_noise.*} (METHOD.md §9.1), plus the Mixtral router
 *       {@code model.layers.{l}.block_sparse_moe.gate.weight}. It does NOT match the experts'
 *       {@code mlp.calculator.experts.weight_gate.{j}} nor a dense {@code mlp.gate_proj.weight}.</li>
 *   <li>{@code gate-substring}: every name containing {@code "gate"}. This is upstream's {@code --freeze_gate}
 *       as written, kept only to reproduce their SFT runs: it also freezes the experts' {@code weight_gate.{j}}
 *       slices and any dense {@code gate_proj} (the name-clash quirk of METHOD.md §6).</li>
 * </ul>
 */
public final class FreezeRules implements Predicate<String> {
    /** LLaMA-MoE TopKBalancedNoisyGate parameters; the optional prefix allows wrapped names ("base_model."). */
    private static final String ROUTER_LLAMA_MOE =
            "(?:.+\\.)?layers\\.\\d+\\.mlp\\.gate\\.(?:gate_network|weight_noise)(?:\\..+)?";
    /** Mixtral's router is a bare Linear named "gate" under block_sparse_moe. */
    private static final String ROUTER_MIXTRAL = "(?:.+\\.)?layers\\.\\d+\\.block_sparse_moe\\.gate\\.weight";

    private static final FreezeRules NONE = new FreezeRules(List.of(), List.of());

    private final List<String> specs;
    private final List<Pattern> patterns;  // patterns.get(i) came from specs.get(i)

    private FreezeRules(List<String> specs, List<Pattern> patterns) {
        this.specs = List.copyOf(specs);
        this.patterns = List.copyOf(patterns);
    }

    /** Freezes nothing. */
    public static FreezeRules none() {
        return NONE;
    }

    /** Rules from their string forms (see the class comment); an empty list freezes nothing. */
    public static FreezeRules of(Collection<String> specs) {
        List<String> s = new ArrayList<>();
        List<Pattern> p = new ArrayList<>();
        for (String spec : specs) {
            s.add(spec);
            p.add(compile(spec));
        }
        return new FreezeRules(s, p);
    }

    public static FreezeRules of(String... specs) {
        return of(List.of(specs));
    }

    public static FreezeRules glob(String glob) {
        return of("glob:" + glob);
    }

    public static FreezeRules regex(String regex) {
        return of("re:" + regex);
    }

    public static FreezeRules preset(String name) {
        return of("preset:" + name);
    }

    /** These rules plus {@code other}'s (a parameter frozen by either stays frozen). */
    public FreezeRules or(FreezeRules other) {
        List<String> s = new ArrayList<>(specs);
        s.addAll(other.specs);
        List<Pattern> p = new ArrayList<>(patterns);
        p.addAll(other.patterns);
        return new FreezeRules(s, p);
    }

    public boolean isFrozen(String name) {
        for (Pattern p : patterns) {
            if (p.matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean test(String name) {
        return isFrozen(name);
    }

    /** The rules' string forms, in order; {@code of(specs())} rebuilds an equal rule set. */
    public List<String> specs() {
        return specs;
    }

    /** Names in {@code layout} that these rules freeze, in layout order. */
    public List<String> frozenNames(ParamLayout layout) {
        List<String> out = new ArrayList<>();
        for (ParamSegment s : layout.segments()) {
            if (isFrozen(s.name())) {
                out.add(s.name());
            }
        }
        return out;
    }

    /**
     * Rules that match none of {@code names}. A rule that freezes nothing is almost always a typo, so a trainer
     * should refuse to start when this is non-empty.
     */
    public List<String> unmatched(Collection<String> names) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < patterns.size(); i++) {
            Pattern p = patterns.get(i);
            if (names.stream().noneMatch(n -> p.matcher(n).matches())) {
                out.add(specs.get(i));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "FreezeRules" + specs;
    }

    // ---------------------------------------------------------------------------------------------------------

    private static Pattern compile(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("freeze rule must be non-empty");
        }
        if (spec.startsWith("preset:")) {
            return Pattern.compile(presetRegex(spec.substring("preset:".length())));
        }
        if (spec.startsWith("re:")) {
            try {
                return Pattern.compile(spec.substring(3));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("freeze rule '" + spec + "': bad regular expression: "
                        + e.getDescription());
            }
        }
        String glob = spec.startsWith("glob:") ? spec.substring(5) : spec;
        if (glob.isEmpty()) {
            throw new IllegalArgumentException("freeze rule '" + spec + "': empty glob");
        }
        return Pattern.compile(globToRegex(glob));
    }

    private static String presetRegex(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "router":
                return "(?:" + ROUTER_LLAMA_MOE + ")|(?:" + ROUTER_MIXTRAL + ")";
            case "gate-substring":
                return ".*gate.*";
            default:
                throw new IllegalArgumentException("freeze rule 'preset:" + name
                        + "': unknown preset; expected one of router, gate-substring");
        }
    }

    /** {@code **} any run, {@code *} any run without '.', {@code ?} one non-'.' char, the rest literal. */
    static String globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c != '*' && c != '?') {
                literal.append(c);
                continue;
            }
            if (literal.length() > 0) {
                re.append(Pattern.quote(literal.toString()));
                literal.setLength(0);
            }
            if (c == '?') {
                re.append("[^.]");
            } else if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                re.append(".*");
                i++;
            } else {
                re.append("[^.]*");
            }
        }
        if (literal.length() > 0) {
            re.append(Pattern.quote(literal.toString()));
        }
        return re.toString();
    }
}
