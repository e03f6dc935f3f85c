package io.moe4j.tensor.cpu;

import io.moe4j.tensor.Strided;
import io.moe4j.tensor.Tensor;
import java.util.Arrays;

/** F32 copies between views of one shape, by rows when the innermost axis is dense. */
final class StridedCopy {
    private StridedCopy() {}

    static void copy(Tensor src, Tensor dst) {
        int n = dst.numel();
        if (n == 0) return;
        float[] s = src.storage().f, d = dst.storage().f;
        if (src.isContiguous() && dst.isContiguous()) {
            System.arraycopy(s, src.offset(), d, dst.offset(), n);
            return;
        }
        int r = dst.rank();
        int inner = dst.size(r - 1);
        int[] ss = src.strides(), ds = dst.strides();
        int[] outer = Arrays.copyOf(dst.shape(), r - 1);
        int[] so = Strided.offsets(outer, Arrays.copyOf(ss, r - 1), src.offset());
        int[] dOff = Strided.offsets(outer, Arrays.copyOf(ds, r - 1), dst.offset());
        int sIn = ss[r - 1], dIn = ds[r - 1];
        for (int row = 0; row < so.length; row++) {
            if (sIn == 1 && dIn == 1) System.arraycopy(s, so[row], d, dOff[row], inner);
            else for (int j = 0; j < inner; j++) d[dOff[row] + j * dIn] = s[so[row] + j * sIn];
        }
    }
}
