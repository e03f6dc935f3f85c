package io.moe4j.train.cpt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moe4j.data.sampling.DomainWeights;
import io.moe4j.train.run.RunConfig;
import io.moe4j.train.run.RunDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The reference losses ℓ_ref of the dynamic sampling rule (METHOD.md §5.3). By default they are the dense
 * parent's own per-domain validation losses (moe4j's reading, §0.1), measured once at the start of the run and
 * stored in {@code reference_losses.json}, so a resumed run uses exactly the same numbers.
 */
public final class ReferenceLosses {
    public static final String FILE = "reference_losses.json";
    public static final String LLAMA2 = "llama2-7b";

    private ReferenceLosses() {}

    /**
     * The stored losses when the run has them; otherwise {@code spec} ("llama2-7b" or a file), or else the losses
     * measured by {@code measure} (described by {@code source}), stored before they are returned.
     */
    public static LinkedHashMap<String, Double> resolve(RunDir run, String spec, String source,
                                                        Supplier<LinkedHashMap<String, Double>> measure) {
        Path file = run.file(FILE);
        try {
            if (Files.isRegularFile(file)) {
                JsonNode n = RunConfig.JSON.readTree(file.toFile()).path("losses");
                LinkedHashMap<String, Double> out = new LinkedHashMap<>();
                n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asDouble()));
                return out;
            }
            LinkedHashMap<String, Double> losses;
            String from;
            if (spec != null && spec.equalsIgnoreCase(LLAMA2)) {
                losses = DomainWeights.llama2ReferenceLosses();
                from = "LLaMA-2-7B on SlimPajama (METHOD.md 5.3)";
            } else if (spec != null) {
                losses = DomainWeights.parseValues(spec);
                from = spec;
            } else {
                losses = measure.get();
                from = source;
            }
            ObjectNode o = RunConfig.JSON.createObjectNode();
            o.put("source", from);
            o.set("losses", RunConfig.JSON.valueToTree(losses));
            RunDir.writeAtomically(file, RunConfig.JSON.writeValueAsBytes(o));
            return losses;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Fails unless every sampled domain has a reference loss. */
    public static void check(Map<String, Double> ref, Iterable<String> domains) {
        for (String d : domains)
            if (!ref.containsKey(d))
                throw new IllegalArgumentException("reference losses have no value for sampled domain '" + d + "' (have " + ref.keySet() + ")");
    }
}
