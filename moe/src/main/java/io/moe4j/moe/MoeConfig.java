package io.moe4j.moe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MoE part of a LLaMA-MoE model: one {@link MoeSpec} per layer, read from and written to
 * config.json with LLaMA-MoE's field names (METHOD.md §9.1): num_experts, num_selects,
 * size_experts, gate_type, gate_network, gate_balance_loss_weight, gate_add_noise,
 * gate_noise_epsilon, score_scale_factor (a number or a per-layer list).
 */
public record MoeConfig(List<MoeSpec> layers) {

    public MoeConfig {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) throw new IllegalArgumentException("MoE config has no layers");
    }

    public MoeSpec layer(int i) { return layers.get(i); }
    public int numExperts() { return layers.get(0).numExperts(); }
    public int topK() { return layers.get(0).topK(); }

    /** The fields to merge into a LLaMA config.json. */
    public Map<String, Object> toJson() {
        MoeSpec s0 = layers.get(0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_type", "llama_moe");
        m.put("architectures", List.of("LlamaMoEForCausalLM"));
        m.put("num_experts", s0.numExperts());
        m.put("num_selects", s0.topK());
        List<List<Integer>> sizes = new ArrayList<>();
        List<Double> scales = new ArrayList<>();
        for (MoeSpec s : layers) {
            sizes.add(Arrays.stream(s.sizes()).boxed().toList());
            scales.add(s.scale());
        }
        m.put("size_experts", sizes);
        m.put("gate_type", s0.gate().configName);
        m.put("gate_network", s0.network().configName());
        m.put("gate_use_softmax", true);
        m.put("gate_use_balance", s0.balanceWeight() > 0);
        m.put("gate_balance_loss_weight", s0.balanceWeight());
        m.put("gate_add_noise", s0.addNoise());
        m.put("gate_noise_epsilon", s0.noiseEpsilon());
        m.put("calculator_type", "UniversalCalculator");
        m.put("multiply_gate_scores", true);
        m.put("score_scale_factor", scales.stream().distinct().count() == 1 ? (Object) scales.get(0) : scales);
        m.put("add_weight_norm", false);
        if (s0.hasResidual()) { // Neuron-Sharing Inter: always-on residual experts (moe4j's field names)
            List<List<Integer>> res = new ArrayList<>();
            for (MoeSpec s : layers) res.add(Arrays.stream(s.residualSizes()).boxed().toList());
            m.put("size_residual_experts", res);
            m.put("score_scale_factor_residual", s0.residualScale());
        }
        return m;
    }

    /** True when a config.json describes a LLaMA-MoE model. */
    public static boolean isMoe(Map<String, Object> json) {
        return "llama_moe".equals(json.get("model_type")) || json.containsKey("num_experts");
    }

    /** Parses and checks the MoE fields; every error names the source, the field and what was expected. */
    public static MoeConfig fromJson(Map<String, Object> json, int numLayers, int intermediate, String source) {
        int n = integer(json, "num_experts", source);
        int k = integer(json, "num_selects", source);
        if (n < 1) throw bad(source, "num_experts", n, "an integer >= 1");
        if (k < 1 || k > n) throw bad(source, "num_selects", k, "between 1 and num_experts = " + n);
        int[][] sizes = sizes(json.get("size_experts"), numLayers, n, intermediate, source);
        double[] sf = scales(json.get("score_scale_factor"), numLayers, (double) n / k, source);
        GateType gate = GateType.parse(string(json, "gate_type", "TopKBalancedNoisyGate"));
        GateNetwork net = GateNetwork.parse(string(json, "gate_network", "mlp"));
        boolean useBalance = !Boolean.FALSE.equals(json.get("gate_use_balance"));
        double w = useBalance ? number(json, "gate_balance_loss_weight", 0.01, source) : 0;
        boolean noise = !Boolean.FALSE.equals(json.get("gate_add_noise"));
        double eps = number(json, "gate_noise_epsilon", 0.01, source);
        int[][] res = json.containsKey("size_residual_experts")
                ? sizes(json.get("size_residual_experts"), numLayers, residualCount(json.get("size_residual_experts"), source), 0, source)
                : new int[numLayers][0];
        double resScale = number(json, "score_scale_factor_residual", 1.0, source);
        List<MoeSpec> specs = new ArrayList<>();
        for (int l = 0; l < numLayers; l++) {
            try {
                specs.add(new MoeSpec(sizes[l], k, gate, net, sf[l], w, noise && gate == GateType.TOP_K_NOISY, eps, res[l], resScale));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": layer " + l + ": " + e.getMessage(), e);
            }
        }
        return new MoeConfig(specs);
    }

    private static int[][] sizes(Object v, int layers, int n, int intermediate, String source) {
        int[][] out = new int[layers][];
        if (v == null) { // absent: every expert gets I/N, and N must divide I (as the reference asserts)
            if (intermediate % n != 0)
                throw bad(source, "size_experts", "missing", "present, or intermediate_size " + intermediate + " divisible by num_experts " + n);
            for (int l = 0; l < layers; l++) { out[l] = new int[n]; Arrays.fill(out[l], intermediate / n); }
            return out;
        }
        if (!(v instanceof List<?> list) || list.size() != layers)
            throw bad(source, "size_experts", v instanceof List<?> l2 ? l2.size() + " layers" : v, "a list of " + layers + " per-layer lists");
        for (int l = 0; l < layers; l++) {
            if (!(list.get(l) instanceof List<?> row) || row.size() != n)
                throw bad(source, "size_experts[" + l + "]", list.get(l), "a list of " + n + " expert sizes");
            out[l] = new int[n];
            for (int j = 0; j < n; j++) {
                if (!(row.get(j) instanceof Number num) || num.doubleValue() != num.intValue() || num.intValue() < 1)
                    throw bad(source, "size_experts[" + l + "][" + j + "]", row.get(j), "a positive integer");
                out[l][j] = num.intValue();
            }
        }
        return out;
    }

    private static int residualCount(Object v, String source) {
        if (v instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof List<?> row && !row.isEmpty()) return row.size();
        throw bad(source, "size_residual_experts", v, "a list of per-layer lists of residual expert sizes");
    }

    private static double[] scales(Object v, int layers, double dflt, String source) {
        double[] out = new double[layers];
        if (v == null) { Arrays.fill(out, dflt); return out; }
        if (v instanceof Number num) { Arrays.fill(out, num.doubleValue()); return out; }
        if (v instanceof List<?> list && list.size() == layers) {
            for (int l = 0; l < layers; l++) {
                if (!(list.get(l) instanceof Number num)) throw bad(source, "score_scale_factor[" + l + "]", list.get(l), "a number");
                out[l] = num.doubleValue();
            }
            return out;
        }
        throw bad(source, "score_scale_factor", v, "a number or a list of " + layers + " numbers");
    }

    private static int integer(Map<String, Object> json, String key, String source) {
        Object v = json.get(key);
        if (!(v instanceof Number num) || num.doubleValue() != num.longValue()) throw bad(source, key, v, "an integer");
        return num.intValue();
    }

    private static double number(Map<String, Object> json, String key, double dflt, String source) {
        Object v = json.get(key);
        if (v == null) return dflt;
        if (!(v instanceof Number num)) throw bad(source, key, v, "a number");
        return num.doubleValue();
    }

    private static String string(Map<String, Object> json, String key, String dflt) {
        Object v = json.get(key);
        return v == null ? dflt : v.toString();
    }

    private static IllegalArgumentException bad(String source, String field, Object got, String expected) {
        return new IllegalArgumentException(source + ": " + field + " = " + got + ", expected " + expected);
    }
}
