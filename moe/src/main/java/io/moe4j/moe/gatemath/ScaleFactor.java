package io.moe4j.moe.gatemath;

import java.util.Arrays;

/**
 * The score scale factor sf (METHOD.md §4): each selected expert's output is multiplied by
 * s_i · sf. The top-k weights sum to 1 while each expert holds only I/N of the neurons, so without
 * sf the FFN's contribution to the residual stream shrinks; the default sf = N/k restores it
 * (released: 2/16 → 8, 4/16 → 4, 2/8 → 4). sf is either one value for every layer or a per-layer
 * list, such as the one {@link ScaleCalibration} produces.
 */
public final class ScaleFactor {

    private final double uniform;       // used when perLayer == null
    private final double[] perLayer;    // [L] or null

    private ScaleFactor(double uniform, double[] perLayer) {
        this.uniform = uniform;
        this.perLayer = perLayer;
    }

    /** N/k, the documented default. */
    public static double ratio(int numExperts, int numSelected) {
        if (numExperts < 1 || numSelected < 1 || numSelected > numExperts) {
            throw new IllegalArgumentException("scale factor N/k: need 1 ≤ k ≤ N, got N=" + numExperts
                    + ", k=" + numSelected);
        }
        return (double) numExperts / numSelected;
    }

    /** sf = N/k for every layer. */
    public static ScaleFactor defaultFor(int numExperts, int numSelected) {
        return uniform(ratio(numExperts, numSelected));
    }

    /** An explicit sf for every layer (for example the CLI's 4.0). */
    public static ScaleFactor uniform(double sf) {
        checkValue(sf, "scale factor");
        return new ScaleFactor(sf, null);
    }

    /** One sf per layer, [L]. */
    public static ScaleFactor perLayer(double[] sfs) {
        if (sfs == null || sfs.length == 0) {
            throw new IllegalArgumentException("per-layer scale factors: expected one value per layer, got none");
        }
        for (int l = 0; l < sfs.length; l++) {
            checkValue(sfs[l], "scale factor of layer " + l);
        }
        return new ScaleFactor(Double.NaN, sfs.clone());
    }

    /** Whether the factor differs per layer. */
    public boolean isPerLayer() {
        return perLayer != null;
    }

    /** sf of layer l. */
    public double forLayer(int layer) {
        if (perLayer == null) {
            if (layer < 0) {
                throw new IndexOutOfBoundsException("layer " + layer + " < 0");
            }
            return uniform;
        }
        if (layer < 0 || layer >= perLayer.length) {
            throw new IndexOutOfBoundsException("layer " + layer + " outside [0, " + perLayer.length + ")");
        }
        return perLayer[layer];
    }

    /** The factors of layers 0..L−1, [L] (a per-layer list must have exactly L entries). */
    public double[] values(int numLayers) {
        if (perLayer != null && perLayer.length != numLayers) {
            throw new IllegalArgumentException("per-layer scale factors: have " + perLayer.length
                    + " values, model has " + numLayers + " layers");
        }
        double[] out = new double[numLayers];
        for (int l = 0; l < numLayers; l++) {
            out[l] = forLayer(l);
        }
        return out;
    }

    private static void checkValue(double sf, String what) {
        if (!(sf > 0) || Double.isInfinite(sf)) {
            throw new IllegalArgumentException(what + " must be finite and > 0, got " + sf);
        }
    }

    @Override
    public String toString() {
        return perLayer == null ? "ScaleFactor[" + uniform + "]" : "ScaleFactor" + Arrays.toString(perLayer);
    }
}
