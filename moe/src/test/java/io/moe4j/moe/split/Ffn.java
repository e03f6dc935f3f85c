package io.moe4j.moe.split;

import java.util.Random;

/** Small double-precision SwiGLU forward passes on arrays, written independently of the Slicer. */
final class Ffn {

    private Ffn() {
    }

    static double silu(double v) {
        return v / (1 + Math.exp(-v));
    }

    /** Dense FFN: down · (silu(gate x) ⊙ up x); gate/up [I, C], down [C, I], x [C] → [C]. */
    static double[] dense(float[] gate, float[] up, float[] down, int ffn, int hidden, double[] x) {
        double[] h = new double[ffn];
        for (int i = 0; i < ffn; i++) {
            double g = 0;
            double u = 0;
            for (int c = 0; c < hidden; c++) {
                g += gate[i * hidden + c] * x[c];
                u += up[i * hidden + c] * x[c];
            }
            h[i] = silu(g) * u;
        }
        double[] y = new double[hidden];
        for (int c = 0; c < hidden; c++) {
            for (int i = 0; i < ffn; i++) {
                y[c] += down[c * ffn + i] * h[i];
            }
        }
        return y;
    }

    /** max over channels of Σ_i |down[c, i] · h_i|: the scale of the rounding error of any summation order. */
    static double absSumScale(float[] gate, float[] up, float[] down, int ffn, int hidden, double[] x) {
        double worst = 0;
        for (int c = 0; c < hidden; c++) {
            double s = 0;
            for (int i = 0; i < ffn; i++) {
                double g = 0;
                double u = 0;
                for (int j = 0; j < hidden; j++) {
                    g += gate[i * hidden + j] * x[j];
                    u += up[i * hidden + j] * x[j];
                }
                s += Math.abs(down[c * ffn + i] * silu(g) * u);
            }
            worst = Math.max(worst, s);
        }
        return worst;
    }

    /** Σ_e E_e(x) over the sliced experts (each expert is its own small dense FFN). */
    static double[] sumOfExperts(ExpertWeights w, double[] x) {
        double[] y = new double[w.hidden()];
        for (int e = 0; e < w.numExperts(); e++) {
            double[] ye = dense(w.gate()[e], w.up()[e], w.down()[e], w.sizes()[e], w.hidden(), x);
            for (int c = 0; c < y.length; c++) {
                y[c] += ye[c];
            }
        }
        return y;
    }

    static float[] randomWeights(Random rng, int count) {
        float[] w = new float[count];
        for (int j = 0; j < count; j++) {
            w[j] = (float) rng.nextGaussian();
        }
        return w;
    }

    static double[] randomVector(Random rng, int count) {
        double[] v = new double[count];
        for (int j = 0; j < count; j++) {
            v[j] = rng.nextGaussian();
        }
        return v;
    }
}
