package io.moe4j.nn;

import io.moe4j.nn.functions.VecMath;
import io.moe4j.tensor.cpu.Parallel;

/**
 * The state of one sequence being decoded token by token: per layer the keys and values of every
 * position so far, plus every work array of {@link LlamaModel#forwardToken}, so a decode step
 * allocates nothing.
 *
 * <p>Layout: keys and values are stored transposed, [Hkv·D, capacity] per layer (row j holds
 * dimension j of every position). Why: the scores of one query are then a sum of D scaled rows of
 * contiguous positions, and the weighted sum of values is a matvec over contiguous positions, so
 * both vectorise over positions even for tiny heads (stories260K has D = 8, which a per-position
 * dot product cannot fill a vector with). Writing one position is a strided scatter of Hkv·D floats.
 *
 * <p>One cache serves one sequence on one thread at a time. Positions must be fed in order
 * 0, 1, 2, ...; feeding position p overwrites the entries at p (so a cache can be reused from 0).
 */
public final class KvCache implements Parallel.RangeTask {
    /** Multiply-adds of one attention step below which heads run on the calling thread. */
    private static final int PARALLEL_MIN = 1 << 15;

    private final LlamaConfig config;
    private final int capacity, nHeads, nKvHeads, headDim;
    private final float[][] keys, values;
    final float[] x, xb, xb2;
    private final float[] q, kv, att, attOut, logits, ffnScratch;
    private final MatVec matVec = new MatVec();
    private int layer, pos; // arguments of the parallel attention task

    KvCache(LlamaConfig c, int capacity, int ffnScratch) {
        if (capacity <= 0 || capacity > c.maxSeqLen())
            throw new IllegalArgumentException("KvCache: capacity must be in [1, max_seq_len=" + c.maxSeqLen() + "], got " + capacity);
        this.config = c;
        this.capacity = capacity;
        nHeads = c.nHeads();
        nKvHeads = c.nKvHeads();
        headDim = c.headDim();
        keys = new float[c.nLayers()][capacity * c.kvDim()];
        values = new float[c.nLayers()][capacity * c.kvDim()];
        x = new float[c.dim()];
        xb = new float[c.dim()];
        xb2 = new float[c.dim()];
        q = new float[c.dim()];
        kv = new float[c.kvDim()];
        attOut = new float[c.dim()];
        att = new float[nHeads * capacity];
        logits = new float[c.vocabSize()];
        this.ffnScratch = new float[ffnScratch];
    }

    /** The shape of the model this cache was made for. */
    public LlamaConfig config() { return config; }

    /** Positions this cache can hold. */
    public int capacity() { return capacity; }

    /** Work array for {@link FeedForward#forwardToken}. */
    public float[] ffnScratch() { return ffnScratch; }

    /** The matvec task of this cache (one per decoding thread). */
    public MatVec matVec() { return matVec; }

    /** The logits of the last {@link LlamaModel#forwardToken} call (overwritten by the next). */
    public float[] logits() { return logits; }

    float[] query() { return q; }
    float[] kvScratch() { return kv; }
    float[] attended() { return attOut; }

    /** Stores kv[0..Hkv·D) as the key (or value) of position p in layer l. */
    void store(int l, int p, boolean value, float[] src) {
        float[] dst = value ? values[l] : keys[l];
        for (int j = 0; j < src.length; j++) dst[j * capacity + p] = src[j];
    }

    /** attOut = softmax(q·Kᵀ / √D) · V over positions 0..pos of layer l, per query head. */
    void attend(int l, int p) {
        layer = l;
        pos = p;
        if ((long) nHeads * (p + 1) * headDim * 2 < PARALLEL_MIN) run(0, nHeads);
        else Parallel.forRange(nHeads, 1, this);
    }

    /** Query heads [h0, h1) of the current attention step. */
    @Override
    public void run(int h0, int h1) {
        int rep = nHeads / nKvHeads, n = pos + 1;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] kc = keys[layer], vc = values[layer];
        for (int h = h0; h < h1; h++) {
            int qo = h * headDim, kvo = (h / rep) * headDim * capacity, ao = h * capacity;
            DecodeKernels.scores(q, qo, headDim, scale, kc, kvo, capacity, att, ao, n);
            float sum = VecMath.expShiftSum(att, ao, n, VecMath.max(att, ao, n));
            MatVec.rows(vc, kvo, capacity, n, att, ao, attOut, qo, 0, headDim);
            float inv = 1f / sum;
            for (int d = 0; d < headDim; d++) attOut[qo + d] *= inv;
        }
    }
}
