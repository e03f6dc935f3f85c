package io.moe4j.nn;

import io.moe4j.autograd.Var;
import io.moe4j.nn.functions.AttentionFn;
import io.moe4j.tensor.DType;

/**
 * Causal multi-head self-attention with grouped-query heads (Hkv key/value heads shared by
 * H / Hkv query heads each) and rotary positions on q and k. Projections: q_proj, o_proj [C, C];
 * k_proj, v_proj [Hkv·D, C]; q/k rows in the interleaved (Meta) rotary layout.
 *
 * <p>Training runs the fused {@link AttentionFn} on [B, T, H, D] views of the projections.
 * Decoding writes this token's k and v into the {@link KvCache} and attends over positions 0..pos.
 */
public final class Attention extends Module {
    private final int dim, nHeads, nKvHeads, headDim;
    private final Rope rope;
    private final Linear q, k, v, o;

    public Attention(LlamaConfig c, Rope rope, DType dtype) {
        if (rope.headDim() != c.headDim())
            throw new IllegalArgumentException("Attention: rope head dim " + rope.headDim() + " differs from the config's " + c.headDim());
        dim = c.dim();
        nHeads = c.nHeads();
        nKvHeads = c.nKvHeads();
        headDim = c.headDim();
        this.rope = rope;
        q = setModule("q_proj", new Linear(dim, dim, dtype));
        k = setModule("k_proj", new Linear(dim, c.kvDim(), dtype));
        v = setModule("v_proj", new Linear(dim, c.kvDim(), dtype));
        o = setModule("o_proj", new Linear(dim, dim, dtype));
    }

    public Linear qProj() { return q; }
    public Linear kProj() { return k; }
    public Linear vProj() { return v; }
    public Linear oProj() { return o; }

    /** x [B, T, C] -> [B, T, C], positions 0..T-1. */
    public Var forward(Var x) {
        int[] s = x.shape();
        if (s.length != 3 || s[2] != dim)
            throw new IllegalArgumentException("Attention: input must be [B, T, " + dim + "], got " + java.util.Arrays.toString(s));
        int b = s[0], t = s[1];
        Var qh = rope.apply(q.forward(x).reshape(b, t, nHeads, headDim), 0);
        Var kh = rope.apply(k.forward(x).reshape(b, t, nKvHeads, headDim), 0);
        Var vh = v.forward(x).reshape(b, t, nKvHeads, headDim);
        return o.forward(AttentionFn.apply(qh, kh, vh).reshape(b, t, dim));
    }

    /** Decode path: out[0..C) = attention output for the token whose normed input is x, at pos. */
    void forwardToken(float[] x, float[] out, KvCache c, int layer, int pos) {
        MatVec mv = c.matVec();
        float[] qv = c.query(), kv = c.kvScratch();
        q.forwardToken(x, 0, qv, 0, mv);
        rotate(qv, nHeads, pos);
        k.forwardToken(x, 0, kv, 0, mv);
        rotate(kv, nKvHeads, pos);
        c.store(layer, pos, false, kv);
        v.forwardToken(x, 0, kv, 0, mv);
        c.store(layer, pos, true, kv);
        c.attend(layer, pos);
        o.forwardToken(c.attended(), 0, out, 0, mv);
    }

    /** Interleaved rotary on the first {@code heads} head vectors of a, float tables. */
    private void rotate(float[] a, int heads, int pos) {
        float[] cos = rope.cosF(), sin = rope.sinF();
        int half = headDim / 2, tab = pos * half;
        for (int h = 0; h < heads; h++) {
            int o0 = h * headDim;
            for (int i = 0; i < half; i++) {
                float c = cos[tab + i], s = sin[tab + i], x0 = a[o0 + 2 * i], x1 = a[o0 + 2 * i + 1];
                a[o0 + 2 * i] = x0 * c - x1 * s;
                a[o0 + 2 * i + 1] = x0 * s + x1 * c;
            }
        }
    }
}
