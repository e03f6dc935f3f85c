package io.moe4j.nn;

import io.moe4j.autograd.Var;
import io.moe4j.tensor.DType;
import io.moe4j.tensor.Tensor;

/** Token embedding table W [V, C]; a lookup is a row gather whose gradient scatter-adds back. */
public final class Embedding extends Module {
    private final int vocab, dim;
    private final Param weight;

    public Embedding(int vocab, int dim, DType dtype) {
        if (vocab <= 0 || dim <= 0) throw new IllegalArgumentException("Embedding: sizes must be > 0, got V=" + vocab + " C=" + dim);
        this.vocab = vocab;
        this.dim = dim;
        weight = addParam("weight", Tensor.zeros(dtype, vocab, dim));
    }

    public int vocab() { return vocab; }
    public int dim() { return dim; }
    public Param weight() { return weight; }

    /** tokens [B][T] -> [B, T, C]. Rows must have one length and ids must lie in [0, V). */
    public Var forward(int[][] tokens) {
        int[] flat = flatten(tokens, vocab, "token");
        int b = tokens.length, t = flat.length / b;
        return weight.var().indexSelect(0, Tensor.ofInts(flat, flat.length)).reshape(b, t, dim);
    }

    /** Decode path: dst[0..C) = W[token]. */
    public void lookup(int token, float[] dst) {
        if (token < 0 || token >= vocab) throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + vocab + ")");
        Tensor w = Linear.f32(weight, "Embedding");
        System.arraycopy(w.storage().f, w.offset() + token * dim, dst, 0, dim);
    }

    /**
     * Row-major copy of a rectangular [B][T] id array, checking every id against [0, bound)
     * (an id equal to {@code allowed} is let through: the ignore index of targets).
     */
    static int[] flatten(int[][] ids, int bound, String what, int... allowed) {
        if (ids == null || ids.length == 0 || ids[0] == null || ids[0].length == 0)
            throw new IllegalArgumentException(what + "s must be a non-empty [B][T] array");
        int t = ids[0].length;
        int[] flat = new int[ids.length * t];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == null || ids[i].length != t)
                throw new IllegalArgumentException(what + " row " + i + " has length " + (ids[i] == null ? "null" : ids[i].length) + ", expected " + t);
            for (int j = 0; j < t; j++) {
                int v = ids[i][j];
                if ((v < 0 || v >= bound) && !(allowed.length > 0 && v == allowed[0]))
                    throw new IllegalArgumentException(what + " id " + v + " at [" + i + "][" + j + "] is outside the vocabulary [0, " + bound + ")");
                flat[i * t + j] = v;
            }
        }
        return flat;
    }
}
