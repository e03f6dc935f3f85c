package io.moe4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The micro-kernels of {@link GemmKernels} that read A where it lies instead of from a packed strip (see
 * {@code GemmKernels.inPlaceA}): {@link #rows} for op(A) with contiguous rows (row r of the strip at
 * a[ao + r·ld + k]), {@link #cols} for op(A) with contiguous columns (the strip's MR values of step k at
 * a[ao + k·ld + r], the packed layout with stride ld instead of MR). Each accumulates the same FMA chain per element
 * as the packed kernels, in the same order, and spills the tile the same way, so the results are bit-identical.
 * One method per tile height and layout, kept small for C2's inlining budget (see {@link GemmKernels}). They are
 * written out rather than one kernel with a k step and a row stride as arguments: that generic form measured 1.1x
 * over packing on the router's 256x16x288 product, the specialised row kernel 1.75x.
 */
final class InPlaceKernels {
    private static final VectorSpecies<Float> S = SimdConfig.SPECIES;
    private static final int VL = S.length();
    private static final int NR = GemmKernels.NR;

    private InPlaceKernels() {}

    /** Tile from MR rows of A at a[ao + r·ld + k]. */
    static void rows(float[] a, int ao, int ld, float[] bp, int bo, int kc, float[] t) {
        if (GemmKernels.MR == 8) {
            rows8(a, ao, ld, bp, bo, kc, t);
        } else {
            rows6(a, ao, ld, bp, bo, kc, t);
        }
    }

    /** Tile from A's k steps at a[ao + k·ld + r]. */
    static void cols(float[] a, int ao, int ld, float[] bp, int bo, int kc, float[] t) {
        if (GemmKernels.MR == 8) {
            cols8(a, ao, ld, bp, bo, kc, t);
        } else {
            cols6(a, ao, ld, bp, bo, kc, t);
        }
    }

    private static void rows6(float[] a, int ao, int ld, float[] bp, int bo, int kc, float[] t) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int a0 = ao, a1 = a0 + ld, a2 = a1 + ld, a3 = a2 + ld, a4 = a3 + ld, a5 = a4 + ld;
        for (int k = 0, bi = bo; k < kc; k++, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, a[a0 + k]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + k]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + k]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + k]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + k]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + k]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        GemmKernels.spill(t, 0, c00, c01);
        GemmKernels.spill(t, 1, c10, c11);
        GemmKernels.spill(t, 2, c20, c21);
        GemmKernels.spill(t, 3, c30, c31);
        GemmKernels.spill(t, 4, c40, c41);
        GemmKernels.spill(t, 5, c50, c51);
    }

    private static void rows8(float[] a, int ao, int ld, float[] bp, int bo, int kc, float[] t) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        int a0 = ao, a1 = a0 + ld, a2 = a1 + ld, a3 = a2 + ld, a4 = a3 + ld, a5 = a4 + ld, a6 = a5 + ld, a7 = a6 + ld;
        for (int k = 0, bi = bo; k < kc; k++, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, a[a0 + k]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + k]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + k]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + k]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + k]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + k]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + k]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + k]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        GemmKernels.spill(t, 0, c00, c01);
        GemmKernels.spill(t, 1, c10, c11);
        GemmKernels.spill(t, 2, c20, c21);
        GemmKernels.spill(t, 3, c30, c31);
        GemmKernels.spill(t, 4, c40, c41);
        GemmKernels.spill(t, 5, c50, c51);
        GemmKernels.spill(t, 6, c60, c61);
        GemmKernels.spill(t, 7, c70, c71);
    }

    private static void cols6(float[] a, int ao, int ld, float[] bp, int bo, int kc, float[] t) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int ai = ao, bi = bo, end = ao + kc * ld; ai != end; ai += ld, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        GemmKernels.spill(t, 0, c00, c01);
        GemmKernels.spill(t, 1, c10, c11);
        GemmKernels.spill(t, 2, c20, c21);
        GemmKernels.spill(t, 3, c30, c31);
        GemmKernels.spill(t, 4, c40, c41);
        GemmKernels.spill(t, 5, c50, c51);
    }

    private static void cols8(float[] a, int ao, int ld, float[] bp, int bo, int kc, float[] t) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int ai = ao, bi = bo, end = ao + kc * ld; ai != end; ai += ld, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ai + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ai + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        GemmKernels.spill(t, 0, c00, c01);
        GemmKernels.spill(t, 1, c10, c11);
        GemmKernels.spill(t, 2, c20, c21);
        GemmKernels.spill(t, 3, c30, c31);
        GemmKernels.spill(t, 4, c40, c41);
        GemmKernels.spill(t, 5, c50, c51);
        GemmKernels.spill(t, 6, c60, c61);
        GemmKernels.spill(t, 7, c70, c71);
    }
}
