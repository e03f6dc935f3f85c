package io.moe4j.moe.split;

/**
 * Stacked expert weights produced by {@link Slicer}: for each expert e of width m_e,
 * gate_e and up_e are [m_e, C] (rows of gate_proj / up_proj) and down_e is [C, m_e] (columns of
 * down_proj), each stored <b>row-major in one flat float[]</b> so it maps directly onto a tensor.
 * This is the [N][m_e][C] / [N][C][m_e] layout of METHOD.md §3.1 with the inner two axes flattened.
 *
 * <p>Expert e computes E_e(x) = down_e · (SiLU(gate_e x) ⊙ (up_e x)) for x ∈ R^C.
 * The arrays are shared, not copied: callers must not modify them if they keep the split around.
 *
 * @param hidden C, the model width
 * @param sizes  [N] expert widths m_e
 * @param gate   [N][m_e*C] row-major gate_proj slices
 * @param up     [N][m_e*C] row-major up_proj slices
 * @param down   [N][C*m_e] row-major down_proj slices
 */
public record ExpertWeights(int hidden, int[] sizes, float[][] gate, float[][] up, float[][] down) {

    public ExpertWeights {
        int n = sizes.length;
        if (gate.length != n || up.length != n || down.length != n) {
            throw new IllegalArgumentException("ExpertWeights: expected " + n + " experts in gate/up/down, got "
                    + gate.length + "/" + up.length + "/" + down.length);
        }
        for (int e = 0; e < n; e++) {
            long want = (long) sizes[e] * hidden;
            if (gate[e].length != want || up[e].length != want || down[e].length != want) {
                throw new IllegalArgumentException("ExpertWeights: expert " + e + " expected " + want
                        + " floats (m_e=" + sizes[e] + ", C=" + hidden + ") in gate/up/down");
            }
        }
    }

    /** N, the number of experts. */
    public int numExperts() {
        return sizes.length;
    }
}
