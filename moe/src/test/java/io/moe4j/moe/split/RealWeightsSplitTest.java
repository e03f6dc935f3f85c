package io.moe4j.moe.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Splits of a real model's FFNs (Karpathy's stories260K, llama2.c legacy format: C = 64, I = 172,
 * 5 layers): for random and clustering splits with N = 4 (divides I) and N = 8 (remainder 4), the
 * experts sum to the dense FFN on every layer. Needs /work/shared (system property moe4j.shared).
 */
class RealWeightsSplitTest {

    @Test
    void everyLayerOfStories260kSumsToDense() throws IOException {
        String shared = System.getProperty("moe4j.shared");
        Path file = shared == null ? null : Path.of(shared, "data", "models", "llama2c", "stories260K.bin");
        Assumptions.assumeTrue(file != null && Files.isRegularFile(file), "stories260K.bin not available");
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int dim = buf.getInt();
        int hidden = buf.getInt();
        int layers = buf.getInt();
        int heads = buf.getInt();
        int kvHeads = buf.getInt();
        int vocab = Math.abs(buf.getInt());
        buf.getInt();
        int kvDim = dim * kvHeads / heads;
        long off = (long) vocab * dim + (long) layers * dim;                        // tok_embeddings, rms_att
        off += 2L * layers * dim * dim + 2L * layers * kvDim * dim + layers * dim;  // wq, wk, wv, wo, rms_ffn
        float[] w1 = floats(buf, off, layers * hidden * dim);                        // gate_proj [L, I, C]
        float[] w2 = floats(buf, off + (long) layers * hidden * dim, layers * dim * hidden);      // down_proj [L, C, I]
        float[] w3 = floats(buf, off + 2L * layers * hidden * dim, layers * hidden * dim);        // up_proj [L, I, C]
        Random rng = new Random(0);
        for (int l = 0; l < layers; l++) {
            float[] gate = slice(w1, l, hidden * dim);
            float[] down = slice(w2, l, dim * hidden);
            float[] up = slice(w3, l, hidden * dim);
            for (int n : new int[] {4, 8}) {
                for (ExpertSplit split : new ExpertSplit[] {RandomSplit.split(hidden, n, l),
                    ClusteringSplit.split(up, hidden, dim, n, l)}) {
                    assertArrayEquals(ExpertSplit.balancedSizes(hidden, n), split.sizeExperts());
                    ExpertWeights w = Slicer.slice(gate, up, down, dim, split);
                    double[] x = Ffn.randomVector(rng, dim);
                    double[] dense = Ffn.dense(gate, up, down, hidden, dim, x);
                    double[] moe = Ffn.sumOfExperts(w, x);
                    for (int c = 0; c < dim; c++) {
                        assertTrue(Math.abs(dense[c] - moe[c]) < 1e-10, "layer " + l + " N=" + n + " channel " + c);
                    }
                }
            }
        }
    }

    private static float[] floats(ByteBuffer buf, long floatOffset, int count) {
        float[] out = new float[count];
        buf.position(28 + (int) (floatOffset * 4));
        buf.asFloatBuffer().get(out);
        return out;
    }

    private static float[] slice(float[] all, int layer, int per) {
        float[] out = new float[per];
        System.arraycopy(all, layer * per, out, 0, per);
        return out;
    }
}
