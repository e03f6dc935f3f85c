package io.moe4j.moe;

import io.moe4j.autograd.Var;
import io.moe4j.moe.split.ClusteringSplit;
import io.moe4j.nn.FeedForward;
import io.moe4j.nn.LlamaModel;
import io.moe4j.nn.SwiGluFfn;
import io.moe4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Neuron importance for the gradient-based splits (METHOD.md §3.4): for each data cluster c and
 * layer l, v_c[i] = mean over tokens of |h_i · ∂L/∂h_i|, with h the input of down_proj and L the
 * LM loss of the dense model (weights unchanged). Documents are grouped into clusters by balanced
 * k-means over their mean token embeddings (the paper clusters sentence embeddings; this is the
 * dependency-free stand-in the issue allows).
 */
public final class Importance {
    private Importance() {}

    /**
     * Scores [L][clusters][I].
     *
     * @param docs      token ids of each document (BOS included by the caller)
     * @param clusters  number of data clusters (one score vector per routed expert)
     * @param blockLen  tokens per forward/backward block (documents are cut into blocks of this length + 1)
     */
    public static float[][][] compute(LlamaModel dense, List<int[]> docs, int clusters, int blockLen, long seed, IntConsumer progress) {
        int[] label = clusterDocuments(dense, docs, clusters, seed);
        int layers = dense.numLayers(), width = dense.config().hiddenDim();
        double[][][] acc = new double[layers][clusters][width];
        long[] tokens = new long[clusters];
        List<SwiGluFfn> ffns = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            FeedForward f = dense.layer(l).ffn();
            if (!(f instanceof SwiGluFfn s)) throw new IllegalArgumentException("layer " + l + " has no dense SwiGLU FFN (" + f.getClass().getSimpleName() + "); importance needs the dense model");
            s.retainHidden(true);
            ffns.add(s);
        }
        try {
            for (int d = 0; d < docs.size(); d++) {
                int[] doc = docs.get(d);
                for (int s = 0; s + 1 < doc.length; s += blockLen) {
                    int len = Math.min(blockLen, doc.length - 1 - s);
                    int[][] in = {java.util.Arrays.copyOfRange(doc, s, s + len)}, tgt = {java.util.Arrays.copyOfRange(doc, s + 1, s + 1 + len)};
                    Var loss = dense.loss(in, tgt, -1);
                    loss.backward();
                    for (int l = 0; l < layers; l++) accumulate(ffns.get(l).lastHidden(), acc[l][label[d]]);
                    tokens[label[d]] += len;
                    for (Var p : dense.parameters()) p.clearGrad();
                }
                if (progress != null) progress.accept(d + 1);
            }
        } finally {
            for (SwiGluFfn s : ffns) s.retainHidden(false);
        }
        float[][][] out = new float[layers][clusters][width];
        for (int l = 0; l < layers; l++)
            for (int c = 0; c < clusters; c++)
                for (int i = 0; i < width; i++) out[l][c][i] = (float) (tokens[c] == 0 ? 0 : acc[l][c][i] / tokens[c]);
        return out;
    }

    /** Adds Σ_tokens |h ⊙ g| of one block into acc [I]. */
    private static void accumulate(Var h, double[] acc) {
        float[] hv = h.data().toFloatArray(), gv = h.grad().toFloatArray();
        int width = acc.length;
        for (int t = 0; t < hv.length / width; t++)
            for (int i = 0; i < width; i++) acc[i] += Math.abs((double) hv[t * width + i] * gv[t * width + i]);
    }

    /** Balanced k-means over each document's mean token embedding; returns a cluster per document. */
    static int[] clusterDocuments(LlamaModel m, List<int[]> docs, int clusters, long seed) {
        if (docs.size() < clusters)
            throw new IllegalArgumentException("need at least " + clusters + " documents to form " + clusters + " data clusters, got " + docs.size());
        Tensor emb = m.embedding().weight().data();
        int c = m.config().dim();
        float[] table = emb.toFloatArray(), feats = new float[docs.size() * c];
        for (int d = 0; d < docs.size(); d++) {
            int[] doc = docs.get(d);
            for (int tok : doc)
                for (int j = 0; j < c; j++) feats[d * c + j] += table[tok * c + j] / doc.length;
        }
        return ClusteringSplit.split(feats, docs.size(), c, clusters, seed).labels();
    }
}
