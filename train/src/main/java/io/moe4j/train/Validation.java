package io.moe4j.train;

import io.moe4j.autograd.Grad;
import io.moe4j.data.cache.TokenCache;
import io.moe4j.data.sampling.Batch;
import io.moe4j.data.sampling.ValidationStream;
import io.moe4j.nn.LlamaModel;
import io.moe4j.tensor.Backends;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Validation losses: the mean next-token cross-entropy over fixed held-out blocks, with the model in eval mode
 * (no gate noise, so evaluating never advances the gate-noise counters and cannot disturb an exact resume) and
 * no autograd graph. The balance loss is not included: these are the {@code eval_<domain>_loss} numbers of
 * METHOD.md §5.3, comparable between dense and MoE models.
 */
public final class Validation {
    private Validation() {}

    /**
     * Per-domain loss over the first {@code maxBatches} batches of {@code batch} blocks of every validation domain
     * of the cache (BOS per document, as in training), in cache order. Domains too small for one block are absent.
     */
    public static LinkedHashMap<String, Double> perDomain(LlamaModel model, TokenCache cache, int seqLen, int batch,
                                                         int maxBatches) {
        LinkedHashMap<String, Double> out = new LinkedHashMap<>();
        Map<String, ValidationStream> streams = ValidationStream.forCache(cache, seqLen, true, false, (long) maxBatches * batch);
        for (Map.Entry<String, ValidationStream> e : streams.entrySet()) {
            ValidationStream s = e.getValue();
            out.put(e.getKey(), meanLoss(model, new Iterator<>() {
                Batch next = s.nextBatch(batch);

                @Override
                public boolean hasNext() {
                    return next != null;
                }

                @Override
                public MicroBatch next() {
                    Batch b = next;
                    next = s.nextBatch(batch);
                    return new MicroBatch(b.inputs(), b.labels(), b.domains());
                }
            }));
        }
        return out;
    }

    /** Token-weighted mean loss over the given micro-batches (positions with target {@link MicroBatch#IGNORE} skipped). */
    public static double meanLoss(LlamaModel model, Iterator<MicroBatch> batches) {
        boolean wasTraining = model.isTraining();
        model.eval();
        double sum = 0;
        long n = 0;
        try (Backends.Scope g = Grad.noGrad()) {
            while (batches.hasNext()) {
                MicroBatch mb = batches.next();
                long k = mb.lossTokens();
                if (k == 0) continue;
                double loss = model.loss(mb.inputs(), mb.targets(), MicroBatch.IGNORE).data().item();
                sum += loss * k;
                n += k;
            }
        } finally {
            model.train(wasTraining);
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
