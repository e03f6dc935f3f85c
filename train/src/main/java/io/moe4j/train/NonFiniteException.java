package io.moe4j.train;

/**
 * A NaN or infinity in the loss, a gradient or a parameter. The message names the step and the first parameter
 * affected, so a diverging run says where it went wrong instead of silently writing NaN weights.
 */
public final class NonFiniteException extends RuntimeException {
    private final int step;
    private final String parameter;

    public NonFiniteException(int step, String parameter, String message) {
        super(message);
        this.step = step;
        this.parameter = parameter;
    }

    /** The 1-based step at which it happened. */
    public int step() {
        return step;
    }

    /**
     * The parameter to blame: the first (lowest offset) with a non-finite value, else the first with a non-finite
     * gradient, else (an overflow with all weights finite) the one holding the largest weight.
     */
    public String parameter() {
        return parameter;
    }
}
