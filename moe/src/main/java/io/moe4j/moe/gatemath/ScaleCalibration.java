package io.moe4j.moe.gatemath;

/**
 * Per-layer scale factor calibration (METHOD.md §4, the reference's
 * get_layer_wise_score_scale_factor.py), on arrays.
 *
 * <p>For a layer, the "gap" is mean_t ‖residual_t‖₁ / mean_t ‖mlp_t‖₁ over calibration tokens,
 * where residual_t is the hidden state that the MLP output is added to (the input of the
 * post-attention RMSNorm) and mlp_t is the MLP (or MoE) sub-layer output. Then
 * sf_layer = gap(MoE with sf = 1) / gap(dense): if the MoE output is s times smaller than the dense
 * one, its gap is s times larger and sf = s restores the scale.
 *
 * <p>The reference calibrates sequentially: layer l of the MoE model is measured with the already
 * calibrated factors on layers &lt; l and sf = 1 on layer l. The caller drives that loop; this
 * class only accumulates statistics and forms the ratio.
 */
public final class ScaleCalibration {

    private ScaleCalibration() {
    }

    /** Running Σ_t ‖residual_t‖₁, Σ_t ‖mlp_t‖₁ and token count for one layer of one model. */
    public static final class LayerStats {
        private double residualL1;
        private double mlpL1;
        private long tokens;

        /**
         * @param residual [T*C] row-major residual stream rows
         * @param mlpOut   [T*C] row-major MLP outputs
         * @param hidden   C
         */
        public void add(float[] residual, float[] mlpOut, int hidden) {
            if (hidden <= 0 || residual.length != mlpOut.length || residual.length % hidden != 0) {
                throw new IllegalArgumentException("LayerStats.add: residual (" + residual.length + ") and mlpOut ("
                        + mlpOut.length + ") must both be [T, C=" + hidden + "]");
            }
            for (int j = 0; j < residual.length; j++) {
                residualL1 += Math.abs(residual[j]);
                mlpL1 += Math.abs(mlpOut[j]);
            }
            tokens += residual.length / hidden;
        }

        /** Tokens seen so far. */
        public long tokens() {
            return tokens;
        }

        /** mean ‖residual‖₁ / mean ‖mlp‖₁ (token counts cancel). */
        public double gap() {
            if (tokens == 0 || mlpL1 == 0) {
                throw new IllegalStateException("LayerStats.gap: need tokens with a non-zero MLP output, saw "
                        + tokens + " tokens");
            }
            return residualL1 / mlpL1;
        }
    }

    /** sf of one layer = gap(MoE, sf = 1) / gap(dense). */
    public static double layerFactor(double moeGap, double denseGap) {
        if (!(moeGap > 0) || !(denseGap > 0) || Double.isInfinite(moeGap) || Double.isInfinite(denseGap)) {
            throw new IllegalArgumentException("layerFactor: gaps must be finite and > 0, got moe=" + moeGap
                    + ", dense=" + denseGap);
        }
        return moeGap / denseGap;
    }

    /** Per-layer factors from per-layer gaps, [L] each. */
    public static ScaleFactor calibrated(double[] denseGaps, double[] moeGaps) {
        if (denseGaps.length != moeGaps.length) {
            throw new IllegalArgumentException("calibrated: " + denseGaps.length + " dense gaps but "
                    + moeGaps.length + " MoE gaps");
        }
        double[] sf = new double[denseGaps.length];
        for (int l = 0; l < sf.length; l++) {
            sf[l] = layerFactor(moeGaps[l], denseGaps[l]);
        }
        return ScaleFactor.perLayer(sf);
    }
}
