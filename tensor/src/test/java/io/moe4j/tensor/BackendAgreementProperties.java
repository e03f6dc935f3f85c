package io.moe4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.tensor.cpu.CpuBackend;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.*;

/**
 * Every CpuBackend op against ReferenceBackend on random shapes: sizes 0, 1, 7, 33 and others that
 * are not multiples of the vector width, broadcasting, and non-contiguous views (transposed,
 * narrowed, expanded). Tolerances are relative to float32 rounding; matmul's scales with K.
 */
class BackendAgreementProperties {
    static final Backend REF = new ReferenceBackend();
    static final Backend CPU = new CpuBackend();

    @Provide
    Arbitrary<int[]> shapes() {
        Arbitrary<Integer> dim = Arbitraries.of(0, 1, 2, 3, 7, 16, 17, 33, 65);
        return dim.array(int[].class).ofMinSize(1).ofMaxSize(3)
                .filter(s -> Shape.numel(s) <= 40_000);
    }

    /** A tensor of the given shape, randomly presented as a contiguous, transposed or narrowed view. */
    static Tensor view(int[] shape, long seed, int layout) {
        Random r = new Random(seed);
        switch (layout % 3) {
            case 1: // transposed storage: build reversed-shape tensor, then permute back
                if (shape.length >= 2) {
                    int[] rev = new int[shape.length];
                    for (int k = 0; k < rev.length; k++) rev[k] = shape[rev.length - 1 - k];
                    int[] perm = new int[shape.length];
                    for (int k = 0; k < perm.length; k++) perm[k] = perm.length - 1 - k;
                    return Tensor.randn(r.nextLong(), DType.F32, 1, rev).permute(perm);
                }
                break;
            case 2: { // narrowed out of a larger tensor along the last axis
                int[] big = shape.clone();
                big[big.length - 1] += 3;
                return Tensor.randn(r.nextLong(), DType.F32, 1, big).narrow(-1, 1, shape[shape.length - 1]);
            }
            default:
                break;
        }
        return Tensor.randn(r.nextLong(), DType.F32, 1, shape);
    }

    static void close(Tensor expected, Tensor actual, double rtol, double atol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertEquals(expected.dtype(), actual.dtype(), what + ": dtype");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i]) && Double.isNaN(a[i])) continue;
            double tol = atol + rtol * Math.abs(e[i]);
            if (!(Math.abs(e[i] - a[i]) <= tol) && !(e[i] == a[i]))
                fail(what + ": element " + i + " expected " + e[i] + " got " + a[i] + " (tol " + tol + ")");
        }
    }

    @Property(tries = 60)
    void unaryOps(@ForAll("shapes") int[] shape, @ForAll long seed, @ForAll("layouts") int layout) {
        Tensor x = view(shape, seed, layout);
        for (UnaryOp op : UnaryOp.values()) {
            Tensor in = switch (op) {
                case LOG, SQRT, RSQRT -> REF.unary(UnaryOp.ABS, x); // keep the domain valid
                default -> x;
            };
            close(REF.unary(op, in), CPU.unary(op, in), 2e-6, 1e-6, "unary " + op + " " + Shape.str(shape));
        }
    }

    @Provide
    Arbitrary<Integer> layouts() {
        return Arbitraries.integers().between(0, 2);
    }

    @Property(tries = 60)
    void binaryOpsWithBroadcasting(@ForAll("shapes") int[] shape, @ForAll long seed, @ForAll("layouts") int layout, @ForAll int bcastMask) {
        Tensor a = view(shape, seed, layout);
        int[] bs = shape.clone();
        for (int k = 0; k < bs.length; k++) if (((bcastMask >> k) & 1) == 1) bs[k] = 1;
        if (((bcastMask >> 5) & 1) == 1 && bs.length > 1) bs = Arrays.copyOfRange(bs, 1, bs.length); // drop a leading axis
        Tensor b = view(bs, seed + 1, layout + 1);
        for (BinaryOp op : BinaryOp.values()) {
            Tensor l = op == BinaryOp.POW ? REF.unary(UnaryOp.ABS, a) : a;
            close(REF.binary(op, l, b), CPU.binary(op, l, b), 2e-6, 1e-6, "binary " + op + " " + Shape.str(shape) + " with " + Shape.str(bs));
            close(REF.binary(op, b, l), CPU.binary(op, b, l), 2e-6, 1e-6, "binary " + op + " reversed");
        }
        Tensor s = Tensor.scalar(0.75, DType.F32);
        close(REF.binary(BinaryOp.MUL, a, s), CPU.binary(BinaryOp.MUL, a, s), 0, 0, "scalar mul");
        close(REF.binary(BinaryOp.SUB, s, a), CPU.binary(BinaryOp.SUB, s, a), 1e-7, 1e-7, "scalar-left sub");
        close(REF.affine(a, -1.25, 0.5), CPU.affine(a, -1.25, 0.5), 1e-6, 1e-6, "affine");
        Tensor cond = REF.binary(BinaryOp.GT, b, Tensor.scalar(0, DType.F32));
        close(REF.where(cond, a, b), CPU.where(cond, a, b), 0, 0, "where");
    }

    @Property(tries = 60)
    void reductionsAndSoftmax(@ForAll("shapes") int[] shape, @ForAll long seed, @ForAll("layouts") int layout) {
        Tensor x = view(shape, seed, layout);
        for (int axis = 0; axis < shape.length; axis++) {
            int n = shape[axis];
            for (ReduceOp op : ReduceOp.values()) {
                if (n == 0 && (op == ReduceOp.MAX || op == ReduceOp.MIN)) continue;
                for (boolean keep : new boolean[] {true, false})
                    close(REF.reduce(op, x, axis, keep), CPU.reduce(op, x, axis, keep), 1e-5, 1e-5 * Math.sqrt(n + 1), "reduce " + op + " axis " + axis);
            }
            if (n > 0) assertArrayEquals(REF.argmax(x, axis, false).toIntArray(), CPU.argmax(x, axis, false).toIntArray(), "argmax");
            close(REF.softmax(x, axis), CPU.softmax(x, axis), 1e-5, 1e-7, "softmax axis " + axis);
            close(REF.logSoftmax(x, axis), CPU.logSoftmax(x, axis), 1e-5, 1e-5, "logSoftmax axis " + axis);
        }
    }

    @Property(tries = 80)
    void matmulAgreesWithToleranceScaledByK(@ForAll("dims") int m, @ForAll("dims") int k, @ForAll("dims") int n,
                                            @ForAll long seed, @ForAll("layouts") int layout, @ForAll boolean batched) {
        Random r = new Random(seed);
        int[] as = batched ? new int[] {2, m, k} : new int[] {m, k};
        Tensor a = view(as, r.nextLong(), layout);
        Tensor b = (layout == 1) ? Tensor.randn(r.nextLong(), DType.F32, 1, n, k).transpose(0, 1) // x·Wᵀ layout
                : view(new int[] {k, n}, r.nextLong(), layout + 2);
        double tol = 1e-6 * (k + 1) * 4; // |a|,|b| ~ N(0,1): float32 error grows ~ linearly in K at worst
        close(REF.matmul(a, b), CPU.matmul(a, b), 1e-5, tol, "matmul " + Shape.str(as) + " @ " + Shape.str(b.shape()));
        if (batched) { // batched B too, with a broadcast batch axis
            Tensor b3 = Tensor.randn(r.nextLong(), DType.F32, 1, 1, k, n).expand(2, k, n);
            close(REF.matmul(a, b3), CPU.matmul(a, b3), 1e-5, tol, "batched matmul");
        }
    }

    @Provide
    Arbitrary<Integer> dims() {
        return Arbitraries.of(0, 1, 2, 7, 16, 33, 64, 100);
    }

    @Property(tries = 40)
    void indexingAndCopies(@ForAll("shapes") int[] shape, @ForAll long seed, @ForAll("layouts") int layout) {
        Assume.that(shape.length >= 1 && shape[0] > 0);
        Tensor x = view(shape, seed, layout);
        Random r = new Random(seed);
        int[] idx = new int[5];
        for (int i = 0; i < idx.length; i++) idx[i] = r.nextInt(shape[0]);
        Tensor index = Tensor.ofInts(idx, idx.length);
        Tensor sel = REF.indexSelect(x, 0, index);
        close(sel, CPU.indexSelect(x, 0, index), 0, 0, "indexSelect");
        close(REF.indexAdd(x, 0, index, sel), CPU.indexAdd(x, 0, index, sel), 1e-6, 1e-6, "indexAdd");
        close(REF.copy(x), CPU.copy(x), 0, 0, "copy");
        close(REF.concat(List.of(x, x), 0), CPU.concat(List.of(x, x), 0), 0, 0, "concat");
        Tensor dst1 = Tensor.randn(seed, DType.F32, 1, shape), dst2 = REF.copy(dst1);
        REF.accumulate(dst1, x);
        CPU.accumulate(dst2, x);
        close(dst1, dst2, 0, 0, "accumulate");
        if (shape.length >= 2 && shape[1] > 0 && (shape.length == 2 || shape[2] > 0)) {
            int[] gi = new int[shape[0] * 2];
            for (int i = 0; i < gi.length; i++) gi[i] = r.nextInt(shape[1]);
            Tensor gidx = Tensor.ofInts(gi, shape[0], 2);
            Tensor src2 = x.rank() == 2 ? x : x.select(2, 0);
            Tensor g = REF.gather(src2, 1, gidx);
            close(g, CPU.gather(src2, 1, gidx), 0, 0, "gather");
            close(REF.scatterAdd(src2, 1, gidx, g), CPU.scatterAdd(src2, 1, gidx, g), 1e-6, 1e-6, "scatterAdd");
        }
    }

    @Example
    void resultsAreDeterministic() {
        Tensor a = Tensor.randn(1, DType.F32, 1, 300, 257), b = Tensor.randn(2, DType.F32, 1, 257, 129);
        assertArrayEquals(CPU.matmul(a, b).toFloatArray(), CPU.matmul(a, b).toFloatArray());
        assertArrayEquals(CPU.softmax(a, 1).toFloatArray(), CPU.softmax(a, 1).toFloatArray());
        assertArrayEquals(CPU.reduce(ReduceOp.SUM, a, 0, false).toFloatArray(), CPU.reduce(ReduceOp.SUM, a, 0, false).toFloatArray());
    }

    @Example
    void f64FallsBackToTheReference() {
        Tensor a = Tensor.randn(3, DType.F64, 1, 5, 6), b = Tensor.randn(4, DType.F64, 1, 6, 2);
        assertArrayEquals(REF.matmul(a, b).toDoubleArray(), CPU.matmul(a, b).toDoubleArray(), 0);
        assertEquals(DType.F64, CPU.unary(UnaryOp.EXP, a).dtype());
    }
}
