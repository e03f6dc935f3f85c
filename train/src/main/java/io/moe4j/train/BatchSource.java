package io.moe4j.train;

/**
 * Where a {@link Trainer} gets its micro-batches: the packed pre-training loader or the instruction-tuning loader.
 * A source is resumable: {@link #saveState()} captures everything that decides its future batches, and the
 * matching factory of each implementation rebuilds a source that continues bit for bit.
 */
public interface BatchSource {
    /** The next micro-batch. */
    MicroBatch next();

    /** The complete state (position, RNG, weights) as bytes, for a checkpoint. */
    byte[] saveState();
}
