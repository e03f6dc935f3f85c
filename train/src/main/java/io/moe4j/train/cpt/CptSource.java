package io.moe4j.train.cpt;

import io.moe4j.data.sampling.Batch;
import io.moe4j.data.sampling.BatchLoader;
import io.moe4j.train.BatchSource;
import io.moe4j.train.MicroBatch;

/** Packed pre-training blocks from a {@link BatchLoader}: every position carries loss (labels = inputs shifted). */
public final class CptSource implements BatchSource {
    private final BatchLoader loader;

    public CptSource(BatchLoader loader) {
        this.loader = loader;
    }

    public BatchLoader loader() {
        return loader;
    }

    @Override
    public MicroBatch next() {
        Batch b = loader.next();  // inputs (B, T), labels (B, T)
        return new MicroBatch(b.inputs(), b.labels(), b.domains());
    }

    @Override
    public byte[] saveState() {
        return loader.saveState();
    }
}
