package io.moe4j.tensor;

/** Element-wise unary primitives. Their derivatives are composed from primitives in autograd. */
public enum UnaryOp {
    NEG, EXP, LOG, SQRT, RSQRT, RECIP, SQUARE, ABS, SIGN, TANH, SIGMOID, SILU, RELU, SOFTPLUS, SIN, COS;

    /** The defining formula in double precision; every backend must agree with it. */
    public double apply(double x) {
        return switch (this) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case RECIP -> 1.0 / x;
            case SQUARE -> x * x;
            case ABS -> Math.abs(x);
            case SIGN -> Math.signum(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> sigmoid(x);
            case SILU -> x * sigmoid(x);
            case RELU -> x > 0 ? x : 0.0;
            case SOFTPLUS -> x > 20 ? x : Math.log1p(Math.exp(x)); // torch's threshold 20
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
        };
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
    }
}
