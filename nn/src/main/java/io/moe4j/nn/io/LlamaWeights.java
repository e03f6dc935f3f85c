package io.moe4j.nn.io;

import io.moe4j.nn.LlamaConfig;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Shape;
import io.moe4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face LLaMA state-dict names and the shape each must have for a {@link LlamaConfig}
 * (see the nn contract). Every reader and writer checks a state dict against this one table, so a
 * missing, extra or mis-shaped tensor is reported the same way whatever the file format.
 */
public final class LlamaWeights {
    public static final String EMBED = "model.embed_tokens.weight";
    public static final String NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";
    public static final String ATTN_NORM = "input_layernorm.weight";
    public static final String WQ = "self_attn.q_proj.weight";
    public static final String WK = "self_attn.k_proj.weight";
    public static final String WV = "self_attn.v_proj.weight";
    public static final String WO = "self_attn.o_proj.weight";
    public static final String FFN_NORM = "post_attention_layernorm.weight";
    /** llama2.c w1. */
    public static final String GATE = "mlp.gate_proj.weight";
    /** llama2.c w3. */
    public static final String UP = "mlp.up_proj.weight";
    /** llama2.c w2. */
    public static final String DOWN = "mlp.down_proj.weight";

    private LlamaWeights() {}

    /** {@code model.layers.{i}.{suffix}}. */
    public static String layer(int i, String suffix) {
        return "model.layers." + i + "." + suffix;
    }

    /** Every tensor name in canonical order (embedding, layers, final norm, head) with its [out, in] shape. */
    public static LinkedHashMap<String, int[]> shapes(LlamaConfig c) {
        int C = c.dim(), F = c.hiddenDim(), V = c.vocabSize(), kv = c.kvDim();
        LinkedHashMap<String, int[]> s = new LinkedHashMap<>();
        s.put(EMBED, new int[] {V, C});
        for (int i = 0; i < c.nLayers(); i++) {
            s.put(layer(i, ATTN_NORM), new int[] {C});
            s.put(layer(i, WQ), new int[] {C, C});
            s.put(layer(i, WK), new int[] {kv, C});
            s.put(layer(i, WV), new int[] {kv, C});
            s.put(layer(i, WO), new int[] {C, C});
            s.put(layer(i, FFN_NORM), new int[] {C});
            s.put(layer(i, GATE), new int[] {F, C});
            s.put(layer(i, UP), new int[] {F, C});
            s.put(layer(i, DOWN), new int[] {C, F});
        }
        s.put(NORM, new int[] {C});
        if (!c.tiedEmbeddings()) s.put(LM_HEAD, new int[] {V, C});
        return s;
    }

    /**
     * Checks that {@code weights} holds exactly the tensors of {@link #shapes}, each F32 with the right
     * shape; the one-line error names {@code source} and the first offending tensors.
     */
    public static void check(LlamaConfig c, Map<String, Tensor> weights, String source) {
        LinkedHashMap<String, int[]> want = shapes(c);
        List<String> missing = new ArrayList<>();
        for (String name : want.keySet()) if (!weights.containsKey(name)) missing.add(name + " " + Shape.str(want.get(name)));
        if (!missing.isEmpty()) throw new IllegalArgumentException(source + ": missing tensor" + list(missing));
        List<String> extra = new ArrayList<>();
        for (String name : weights.keySet()) if (!want.containsKey(name)) extra.add(name);
        if (!extra.isEmpty()) throw new IllegalArgumentException(source + ": unexpected tensor" + list(extra)
                + (extra.contains(LM_HEAD) ? " (config says the embeddings are tied)" : ""));
        for (Map.Entry<String, int[]> e : want.entrySet()) {
            Tensor t = weights.get(e.getKey());
            if (t == null) throw new IllegalArgumentException(source + ": tensor " + e.getKey() + " is null");
            if (!java.util.Arrays.equals(t.shape(), e.getValue()))
                throw new IllegalArgumentException(source + ": tensor " + e.getKey() + " has shape " + Shape.str(t.shape())
                        + ", expected " + Shape.str(e.getValue()) + " for the config");
            if (t.dtype() != DType.F32)
                throw new IllegalArgumentException(source + ": tensor " + e.getKey() + " is " + t.dtype() + ", expected F32");
        }
    }

    private static String list(List<String> names) {
        String head = String.join(", ", names.subList(0, Math.min(3, names.size())));
        return (names.size() > 1 ? "s " : " ") + head + (names.size() > 3 ? " (and " + (names.size() - 3) + " more)" : "");
    }

    /** The row-major elements of an F32 tensor, without copying when it already owns exactly them. */
    static float[] f32(Tensor t) {
        float[] f = t.storage().f;
        if (f != null && t.isContiguous() && t.offset() == 0 && f.length == t.numel()) return f;
        return t.toFloatArray();
    }
}
