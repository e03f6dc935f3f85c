package io.moe4j.nn;

import io.moe4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;

/**
 * Test-only reader of llama2.c's legacy (version 0) checkpoint (PROVENANCE.md §1): 7 int32 header
 * fields, then float32 tensors in llama2.c's order, stacked over layers. Produces the contract's
 * Hugging Face names (w1 = gate_proj, w3 = up_proj, w2 = down_proj). Stands in until
 * io.moe4j.nn.io.Llama2cCheckpoint is available.
 */
final class Llama2cTestLoader {
    record Loaded(LlamaConfig config, LinkedHashMap<String, Tensor> stateDict) {}

    private Llama2cTestLoader() {}

    static Loaded load(InputStream in) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        int dim = bb.getInt(), hidden = bb.getInt(), nl = bb.getInt(), nh = bb.getInt(), nkv = bb.getInt(),
                vocab = bb.getInt(), seq = bb.getInt();
        boolean shared = vocab > 0;
        vocab = Math.abs(vocab);
        LlamaConfig c = LlamaConfig.llama2c(dim, hidden, nl, nh, nkv, vocab, seq, shared);
        FloatBuffer fb = bb.asFloatBuffer();
        int kv = c.kvDim(), hs = c.headDim();
        LinkedHashMap<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("model.embed_tokens.weight", next(fb, vocab, dim));
        perLayer(sd, fb, nl, "input_layernorm.weight", dim);
        perLayer(sd, fb, nl, "self_attn.q_proj.weight", dim, dim);
        perLayer(sd, fb, nl, "self_attn.k_proj.weight", kv, dim);
        perLayer(sd, fb, nl, "self_attn.v_proj.weight", kv, dim);
        perLayer(sd, fb, nl, "self_attn.o_proj.weight", dim, dim);
        perLayer(sd, fb, nl, "post_attention_layernorm.weight", dim);
        perLayer(sd, fb, nl, "mlp.gate_proj.weight", hidden, dim);
        perLayer(sd, fb, nl, "mlp.down_proj.weight", dim, hidden);
        perLayer(sd, fb, nl, "mlp.up_proj.weight", hidden, dim);
        sd.put("model.norm.weight", next(fb, dim));
        fb.position(fb.position() + 2 * seq * hs / 2); // legacy freq_cis_real/imag, unused
        if (!shared) sd.put("lm_head.weight", next(fb, vocab, dim));
        if (fb.remaining() != 0) throw new IOException("llama2.c checkpoint: " + fb.remaining() + " floats left over");
        return new Loaded(c, sd);
    }

    private static void perLayer(LinkedHashMap<String, Tensor> sd, FloatBuffer fb, int nl, String name, int... shape) {
        for (int l = 0; l < nl; l++) sd.put("model.layers." + l + "." + name, next(fb, shape));
    }

    private static Tensor next(FloatBuffer fb, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] a = new float[n];
        fb.get(a);
        return Tensor.of(a, shape);
    }

    static Loaded stories260K() throws IOException {
        try (InputStream in = Llama2cTestLoader.class.getResourceAsStream("/models/stories260K.bin")) {
            if (in == null) throw new IOException("test resource /models/stories260K.bin is missing");
            return load(in);
        }
    }
}
