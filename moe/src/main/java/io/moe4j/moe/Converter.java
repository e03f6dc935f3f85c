package io.moe4j.moe;

import io.moe4j.moe.split.*;
import io.moe4j.nn.FeedForward;
import io.moe4j.nn.LlamaModel;
import io.moe4j.nn.Param;
import io.moe4j.nn.SwiGluFfn;
import io.moe4j.tensor.Backends;
import io.moe4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Dense LLaMA to LLaMA-MoE (METHOD.md §3): per layer, a construction method gives the index sets
 * S_1..S_N over the FFN neurons; rows of gate_proj/up_proj and columns of down_proj are sliced
 * with them (§3.1); attention, norms and embeddings are copied unchanged; the router is freshly
 * initialised (N(0, 0.02), noise weights zero), as in the released models.
 */
public final class Converter {
    private Converter() {}

    public enum Method {
        RANDOM, CLUSTERING, SHARING_INNER, SHARING_INTER, UPCYCLE;

        public boolean needsData() {
            return this == SHARING_INNER || this == SHARING_INTER;
        }

        public static Method parse(String s) {
            for (Method m : values()) if (m.name().equalsIgnoreCase(s.replace('-', '_'))) return m;
            throw new IllegalArgumentException("unknown conversion method '" + s + "' (expected random, clustering, sharing-inner, sharing-inter or upcycle)");
        }

        public String cliName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * @param scale       sf; null means N/k
     * @param expertSize  neurons per expert for sharing-inner (0 = I/N)
     * @param importance  [L][N][I] scores for the sharing methods (see {@link Importance}); null otherwise
     * @param residual    always-on residual experts R for sharing-inter (METHOD.md §3.7)
     */
    public record Options(Method method, int experts, int topK, Double scale, GateType gate, GateNetwork network,
                          long seed, int expertSize, float[][][] importance, int residual) {
        public static Options of(Method m, int experts, int topK) {
            return new Options(m, experts, topK, null, GateType.TOP_K_NOISY, GateNetwork.MLP, 1227, 0, null, 1);
        }

        public Options withScale(Double sf) { return new Options(method, experts, topK, sf, gate, network, seed, expertSize, importance, residual); }
        public Options withGate(GateType g, GateNetwork n) { return new Options(method, experts, topK, scale, g, n, seed, expertSize, importance, residual); }
        public Options withSeed(long s) { return new Options(method, experts, topK, scale, gate, network, s, expertSize, importance, residual); }
        public Options withImportance(float[][][] imp, int size) { return new Options(method, experts, topK, scale, gate, network, seed, size, imp, residual); }
        public Options withResidual(int r) { return new Options(method, experts, topK, scale, gate, network, seed, expertSize, importance, r); }
    }

    /** Checks everything that can be checked before any work, with messages naming the option. */
    public static void validate(LlamaModel dense, Options o) {
        if (o.experts() < 1) throw new IllegalArgumentException("--experts must be >= 1, got " + o.experts());
        if (o.topK() < 1 || o.topK() > o.experts())
            throw new IllegalArgumentException("--top-k = " + o.topK() + " must be between 1 and --experts = " + o.experts());
        for (int l = 0; l < dense.numLayers(); l++) {
            FeedForward f = dense.layer(l).ffn();
            if (!(f instanceof SwiGluFfn s))
                throw new IllegalArgumentException("layer " + l + " has no dense SwiGLU FFN (found " + f.getClass().getSimpleName() + "): only dense LLaMA models can be converted");
            if (o.method() != Method.UPCYCLE && o.method() != Method.SHARING_INNER && s.hidden() < o.experts())
                throw new IllegalArgumentException("layer " + l + ": " + s.hidden() + " FFN neurons cannot form " + o.experts() + " experts");
        }
        if (o.method().needsData() && o.importance() == null)
            throw new IllegalArgumentException("method " + o.method().cliName() + " needs importance scores from data (--data)");
    }

    /** A new MoE model; the dense model is left unchanged. */
    public static LlamaModel convert(LlamaModel dense, Options o, Consumer<String> log) {
        validate(dense, o);
        LlamaModel moe = LlamaModel.fromStateDict(dense.config(), dense.stateDict());
        double sf = o.scale() == null ? (double) o.experts() / o.topK() : o.scale();
        for (int l = 0; l < dense.numLayers(); l++) {
            SwiGluFfn ffn = (SwiGluFfn) dense.layer(l).ffn();
            int width = ffn.hidden(), dim = ffn.dim();
            float[] gate = ffn.gateProj().weight().data().toFloatArray(), up = ffn.upProj().weight().data().toFloatArray();
            float[] down = ffn.downProj().weight().data().toFloatArray();
            ExpertSplit split, resSplit = null;
            if (o.method() == Method.SHARING_INTER) {
                ResidualSplit rs = GradientSplit.sharingInter(scoresFor(o, l), o.residual(),
                        o.expertSize() > 0 ? o.expertSize() : width / (o.experts() + o.residual()), true);
                split = rs.routed();
                resSplit = rs.residual();
            } else split = split(o, l, gate, up, width, dim);
            ExpertWeights w = Slicer.slice(gate, up, down, dim, split);
            ExpertWeights rw = resSplit == null ? null : Slicer.slice(gate, up, down, dim, resSplit);
            MoeSpec spec = MoeSpec.llamaMoe(w.sizes(), o.topK()).withGate(o.gate(), o.network()).withScale(sf);
            if (rw != null) spec = spec.withResidual(rw.sizes(), 1.0);
            MoeFfn layer = new MoeFfn(dim, spec, moe.dtype(), o.seed() + 7919L * l);
            copyExperts(layer.experts(), w);
            if (rw != null) copyExperts(layer.residual().experts(), rw);
            moe.layer(l).setFfn(layer);
            if (log != null) log.accept(String.format(Locale.ROOT, "layer %d: %s split of %d neurons into %d experts %s",
                    l, o.method().cliName(), width, spec.numExperts(), sizesText(w.sizes())));
        }
        return moe;
    }

    static ExpertSplit split(Options o, int layer, float[] gate, float[] up, int width, int dim) {
        long seed = o.seed() + 104729L * layer;
        return switch (o.method()) {
            case RANDOM -> RandomSplit.split(width, o.experts(), seed);
            case CLUSTERING -> ClusteringSplit.split(up, width, dim, o.experts(), seed);
            case UPCYCLE -> UpcyclingSplit.split(width, o.experts());
            case SHARING_INNER -> GradientSplit.sharingInner(scoresFor(o, layer), o.expertSize() > 0 ? o.expertSize() : width / o.experts());
            case SHARING_INTER -> throw new IllegalStateException("sharing-inter is split in convert()");
        };
    }

    private static void copyExperts(ExpertBank bank, ExpertWeights w) {
        for (int j = 0; j < bank.numExperts(); j++) {
            fill(bank.gate(j), w.gate()[j]);
            fill(bank.up(j), w.up()[j]);
            fill(bank.down(j), w.down()[j]);
        }
    }

    private static float[][] scoresFor(Options o, int layer) {
        float[][] scores = o.importance()[layer];
        if (scores.length != o.experts())
            throw new IllegalArgumentException(o.method().cliName() + " needs one importance vector per routed expert: got " + scores.length + " for " + o.experts());
        return scores;
    }

    private static void fill(Param p, float[] values) {
        Backends.current().copyInto(p.data(), Tensor.of(values, p.shape()));
    }

    private static String sizesText(int[] sizes) {
        int min = Integer.MAX_VALUE, max = 0;
        for (int s : sizes) { min = Math.min(min, s); max = Math.max(max, s); }
        return min == max ? "of " + min : "of " + min + ".." + max;
    }

    /** Sizes of every layer, for reports (size_experts). */
    public static List<int[]> sizeExperts(LlamaModel moe) {
        List<int[]> out = new ArrayList<>();
        MoeConfig c = Models.moeConfigOf(moe);
        if (c != null) for (MoeSpec s : c.layers()) out.add(s.sizes());
        return out;
    }
}
