package io.moe4j.eval;

import io.moe4j.moe.GateNetwork;
import io.moe4j.moe.GateType;
import io.moe4j.moe.MoeConfig;
import io.moe4j.moe.MoeSpec;
import io.moe4j.nn.LlamaConfig;

/**
 * Parameter and FLOP accounting of a dense or MoE LLaMA from its configuration alone (no weights),
 * counted the way METHOD.md §1 counts LLaMA-MoE:
 *
 * <pre>
 *   total     = V·C (embedding) + V·C (LM head, unless tied) + C (final norm)
 *             + Σ_layers [ attention (2·C² + 2·C·Ckv) + 2·C (norms) + FFN_total ]
 *   activated = the same with FFN_activated
 *   dense:  FFN_total = FFN_activated = 3·C·F
 *   MoE:    FFN_total     = Σ_j 3·C·m_j + gate + noise + residual
 *           FFN_activated = (k/N)·Σ_j 3·C·m_j + gate + residual
 *           gate = C·N + N² (MLP router W2·tanh(W1·x)) or C·N (linear); noise = C·N for the noisy
 *           top-k gate (stored in the checkpoint, used only in training: counted in total, not activated)
 *           residual = Σ_r 3·C·r_r + R·C for Neuron-Sharing Inter's always-on experts
 * </pre>
 * With equal expert sizes (k/N)·Σ_j m_j is exactly k experts' width; with unequal sizes it is the
 * expected width under uniform routing. These rules give exactly the parameter count of the
 * modules moe4j builds (checked by a test against {@code LlamaModel.parameterCount()}).
 *
 * <p>Forward FLOPs per token = 2 · (activated matmul parameters) + attention. Matmul parameters
 * are the activated ones minus the embedding lookup and the norms (the LM head is a matmul even
 * when tied). Attention = 4·L·C·T: QKᵀ and A·V over a context of T positions (the PaLM/Chinchilla
 * convention, without the causal halving); T must be stated with the number.
 */
public final class CostModel {
    private CostModel() {}

    /**
     * @param layers              L
     * @param experts             N (0 for dense)
     * @param topK                k (0 for dense)
     * @param totalParams         every stored parameter
     * @param activatedParams     parameters used per token at inference
     * @param matmulParams        activated parameters that take part in a matmul
     * @param attentionFlops      4·L·C·T at the stated context
     * @param context             T of {@code attentionFlops}
     */
    public record Cost(int layers, int experts, int topK, long totalParams, long activatedParams, long matmulParams,
                       long attentionFlops, int context) {
        public boolean isMoe() { return experts > 0; }

        /** Forward FLOPs per token: 2·matmul params + attention at the stated context. */
        public long flopsPerToken() { return 2 * matmulParams + attentionFlops; }
    }

    /** @param moe null for a dense model */
    public static Cost of(LlamaConfig c, MoeConfig moe, int context) {
        if (context < 1) throw new IllegalArgumentException("--context must be >= 1, got " + context);
        long d = c.dim(), v = c.vocabSize();
        long attention = 2 * d * d + 2 * d * c.kvDim();
        long norms = 2 * d;
        long total = v * d * (c.tiedEmbeddings() ? 1 : 2) + d, active = total, matmul = v * d; // LM head is a matmul
        for (int l = 0; l < c.nLayers(); l++) {
            long[] ffn = moe == null ? new long[] {3 * d * c.hiddenDim(), 3 * d * c.hiddenDim()} : moeFfn(d, moe.layer(l));
            total += attention + norms + ffn[0];
            active += attention + norms + ffn[1];
            matmul += attention + ffn[1];
        }
        long attnFlops = 4L * c.nLayers() * d * context;
        return new Cost(c.nLayers(), moe == null ? 0 : moe.numExperts(), moe == null ? 0 : moe.topK(),
                total, active, matmul, attnFlops, context);
    }

    /** {total, activated} parameters of one MoE FFN (see the class comment). */
    static long[] moeFfn(long d, MoeSpec s) {
        long n = s.numExperts(), experts = 3 * d * s.totalWidth();
        long gate = s.network() == GateNetwork.MLP ? d * n + n * n : d * n;
        long noise = s.gate() == GateType.TOP_K_NOISY ? d * n : 0;
        long residual = 0;
        for (int r : s.residualSizes()) residual += 3 * d * r + d;
        long activeExperts = Math.round((double) experts * s.topK() / n);
        return new long[] {experts + gate + noise + residual, activeExperts + gate + residual};
    }
}
