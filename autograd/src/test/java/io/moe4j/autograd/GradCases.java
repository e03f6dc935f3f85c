package io.moe4j.autograd;

import io.moe4j.tensor.*;
import java.util.ArrayList;
import java.util.List;

/** One gradient-check case per Function variant, plus composites. Shared by the suite and the coverage test. */
final class GradCases {
    private GradCases() {}

    record Case(String name, GradCheck.Expr expr, Tensor[] inputs) {}

    static Tensor rnd(long seed, int... shape) {
        return Tensor.randn(seed, DType.F64, 1.0, shape);
    }

    /** Values in [lo, hi), to keep log/sqrt/div/pow away from their singularities. */
    static Tensor pos(long seed, double lo, double hi, int... shape) {
        return Tensor.rand(seed, DType.F64, lo, hi, shape);
    }

    static List<Case> all() {
        List<Case> c = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            if (op == UnaryOp.SIGN) continue;
            boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT || op == UnaryOp.RECIP;
            Tensor x = positive ? pos(op.ordinal(), 0.5, 2.0, 3, 4) : rnd(op.ordinal(), 3, 4);
            c.add(new Case("unary " + op, v -> v[0].unary(op), new Tensor[] {x}));
        }
        for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAX, BinaryOp.MIN, BinaryOp.POW}) {
            boolean positive = op == BinaryOp.DIV || op == BinaryOp.POW;
            Tensor a = positive ? pos(10 + op.ordinal(), 0.5, 2, 2, 3, 4) : rnd(10 + op.ordinal(), 2, 3, 4);
            Tensor b = positive ? pos(20 + op.ordinal(), 0.5, 2, 3, 1) : rnd(20 + op.ordinal(), 3, 1); // broadcasts
            c.add(new Case("binary " + op + " broadcast", v -> v[0].binary(op, v[1]), new Tensor[] {a, b}));
        }
        c.add(new Case("affine", v -> v[0].affine(-1.5, 0.25), new Tensor[] {rnd(30, 5)}));
        Tensor mask = Tensor.of(new double[] {1, 0, 1, 0, 0, 1}, 2, 3);
        c.add(new Case("where", v -> v[0].where(mask, v[1]), new Tensor[] {rnd(31, 2, 3), rnd(32, 1, 3)}));
        for (ReduceOp op : ReduceOp.values())
            for (int axis : new int[] {0, 1, -1}) {
                boolean keep = axis == 1;
                c.add(new Case("reduce " + op + " axis " + axis, v -> reduce(v[0], op, axis, keep), new Tensor[] {rnd(40 + axis, 3, 4, 5)}));
            }
        c.add(new Case("matmul 2d", v -> v[0].matmul(v[1]), new Tensor[] {rnd(50, 3, 4), rnd(51, 4, 5)}));
        c.add(new Case("matmul batched x 2d", v -> v[0].matmul(v[1]), new Tensor[] {rnd(52, 2, 3, 4), rnd(53, 4, 5)}));
        c.add(new Case("matmul broadcast batch", v -> v[0].matmul(v[1]), new Tensor[] {rnd(54, 2, 1, 3, 4), rnd(55, 3, 4, 2)}));
        c.add(new Case("matmul transposed view", v -> v[0].transpose(0, 1).matmul(v[1]), new Tensor[] {rnd(56, 4, 3), rnd(57, 4, 2)}));
        c.add(new Case("softmax", v -> v[0].softmax(-1), new Tensor[] {rnd(60, 3, 5)}));
        c.add(new Case("softmax axis 0", v -> v[0].softmax(0), new Tensor[] {rnd(61, 3, 5)}));
        c.add(new Case("logSoftmax", v -> v[0].logSoftmax(1), new Tensor[] {rnd(62, 2, 4, 3)}));
        c.add(new Case("reshape", v -> v[0].reshape(4, -1).mul(v[1]), new Tensor[] {rnd(70, 2, 6), rnd(71, 4, 3)}));
        c.add(new Case("permute", v -> v[0].permute(2, 0, 1).mul(v[1]), new Tensor[] {rnd(72, 2, 3, 4), rnd(73, 4, 2, 3)}));
        c.add(new Case("narrow", v -> v[0].narrow(1, 1, 2), new Tensor[] {rnd(74, 3, 4)}));
        c.add(new Case("expand", v -> v[0].expand(2, 3, 4).mul(v[1]), new Tensor[] {rnd(75, 3, 1), rnd(76, 2, 3, 4)}));
        c.add(new Case("concat", v -> Var.concat(List.of(v[0], v[1]), 1), new Tensor[] {rnd(77, 2, 3), rnd(78, 2, 2)}));
        Tensor gidx = Tensor.ofInts(new int[] {0, 2, 2, 1, 0, 0}, 3, 2);
        c.add(new Case("gather", v -> v[0].gather(1, gidx), new Tensor[] {rnd(80, 3, 4), gidx}));
        Tensor sidx = Tensor.ofInts(new int[] {3, 0, 3, 1}, 4);
        c.add(new Case("indexSelect (embedding)", v -> v[0].indexSelect(0, sidx), new Tensor[] {rnd(81, 5, 3), sidx}));
        c.add(new Case("indexAdd (combine)", v -> v[0].indexAdd(0, sidx, v[1]), new Tensor[] {rnd(82, 5, 3), rnd(83, 4, 3), sidx}));
        c.add(mlpCase());
        return c;
    }

    private static Var reduce(Var x, ReduceOp op, int axis, boolean keep) {
        return switch (op) {
            case SUM -> x.sum(axis, keep);
            case MEAN -> x.mean(axis, keep);
            case MAX -> x.max(axis, keep);
            case MIN -> x.min(axis, keep);
        };
    }

    /** A 2-layer MLP with tanh and softmax cross-entropy (mean over the batch), all parameters checked. */
    static Case mlpCase() {
        Tensor labels = Tensor.ofInts(new int[] {2, 0, 1, 2, 1}, 5, 1);
        GradCheck.Expr e = v -> {
            Var h = v[0].matmul(v[1]).add(v[2]).tanh();
            Var logits = h.matmul(v[3]).add(v[4]);
            Var nll = logits.logSoftmax(-1).gather(1, labels).neg();
            return nll.meanAll();
        };
        return new Case("2-layer MLP + softmax cross-entropy", e,
                new Tensor[] {rnd(90, 5, 4), rnd(91, 4, 6), rnd(92, 6), rnd(93, 6, 3), rnd(94, 3), labels});
    }
}
