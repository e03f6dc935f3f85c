package io.moe4j.train.optim;

/**
 * The optimizer's resumable state: the number of steps taken and the two moment buffers, each one flat
 * {@code float[]} laid out like the parameters.
 *
 * <p>The arrays are exposed, not copied, so a checkpoint writer can stream them and a loader can fill them in
 * place. Frozen parameters keep zero moments, as torch keeps no state for parameters it never updates.
 */
public final class AdamWState {
    private int step;
    private final float[] m;  // first moment, [totalLength]
    private final float[] v;  // second moment, [totalLength]

    AdamWState(int totalLength) {
        this.m = new float[totalLength];
        this.v = new float[totalLength];
    }

    /** Steps taken so far; the next step uses bias corrections for {@code step() + 1}. */
    public int step() {
        return step;
    }

    /** First-moment buffer (live array). */
    public float[] m() {
        return m;
    }

    /** Second-moment buffer (live array). */
    public float[] v() {
        return v;
    }

    /** Restores a checkpoint: step count and both moments (copied into the live arrays). */
    public void restore(int step, float[] m, float[] v) {
        if (step < 0) {
            throw new IllegalArgumentException("AdamW state: step must be >= 0, got " + step);
        }
        if (m == null || m.length != this.m.length) {
            throw new IllegalArgumentException("AdamW state: m has length " + (m == null ? "null" : m.length)
                    + ", expected " + this.m.length);
        }
        if (v == null || v.length != this.v.length) {
            throw new IllegalArgumentException("AdamW state: v has length " + (v == null ? "null" : v.length)
                    + ", expected " + this.v.length);
        }
        System.arraycopy(m, 0, this.m, 0, m.length);
        System.arraycopy(v, 0, this.v, 0, v.length);
        this.step = step;
    }

    void advance() {
        if (step == Integer.MAX_VALUE) {
            throw new IllegalStateException("AdamW step counter overflow");
        }
        step++;
    }
}
