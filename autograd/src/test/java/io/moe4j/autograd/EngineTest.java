package io.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import io.moe4j.tensor.*;
import org.junit.jupiter.api.Test;

/** The tape's invariants: accumulate, reverse topological order, no-grad, detach, clear errors. */
class EngineTest {

    private static Tensor t(double... v) {
        return Tensor.of(v, v.length);
    }

    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        Var x = Var.param(t(1, 2, 3));
        x.mul(x).sumAll().backward();
        x.mul(x).sumAll().backward();
        assertArrayEquals(new double[] {4, 8, 12}, x.grad().toDoubleArray(), 0); // 2 * 2x
    }

    @Test
    void diamondGraphSumsBothPaths() {
        // y = a*b + a*c with b = 2a, c = 3a  =>  y = 5a^2, dy/da = 10a
        Var a = Var.param(t(1.5));
        Var b = a.scale(2), c = a.scale(3);
        a.mul(b).add(a.mul(c)).sumAll().backward();
        assertEquals(15.0, a.grad().item(), 1e-12);
    }

    @Test
    void backwardFromSeveralOutputsRunsSharedNodesOnceAndMatchesTheirSum() {
        // y = [a², a·b] and s = Σ a·b share the node a·b; seeds g for y and 2 for s
        Var a1 = Var.param(t(1, -2)), b1 = Var.param(t(3, 0.5));
        Var ab = a1.mul(b1);
        Var y = Var.concat(java.util.List.of(a1.mul(a1), ab), 0), s = ab.sumAll();
        Var.backward(java.util.List.of(y, s), java.util.List.of(t(1, 2, 3, 4), Tensor.full(DType.F64, 2, s.shape())));
        Var a2 = Var.param(t(1, -2)), b2 = Var.param(t(3, 0.5));
        Var ab2 = a2.mul(b2);
        Var.concat(java.util.List.of(a2.mul(a2), ab2), 0).mul(Var.constant(t(1, 2, 3, 4))).sumAll().add(ab2.sumAll().scale(2)).backward();
        assertArrayEquals(a2.grad().toDoubleArray(), a1.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(b2.grad().toDoubleArray(), b1.grad().toDoubleArray(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> Var.backward(java.util.List.of(y), java.util.List.of()));
    }

    @Test
    void gradBufferIsAddedIntoInPlace() {
        double[] flat = {10, 10, 10, 10};
        Tensor buf = Tensor.of(flat, 4).narrow(0, 1, 2);
        Var w = Var.param(t(1, 2));
        w.setGradBuffer(buf);
        w.mul(w).sumAll().backward();
        assertArrayEquals(new double[] {10, 12, 14, 10}, flat, 0);
    }

    @Test
    void noGradRecordsNothing() {
        Var x = Var.param(t(1, 2));
        Var y;
        try (var s = Grad.noGrad()) {
            y = x.mul(x);
        }
        assertFalse(y.requiresGrad());
        assertTrue(x.mul(x).requiresGrad(), "grad mode is restored after the scope");
    }

    @Test
    void detachCutsTheGraph() {
        Var x = Var.param(t(3));
        Var y = x.mul(x.detach()); // d/dx = x (the detached factor is a constant)
        y.sumAll().backward();
        assertEquals(3.0, x.grad().item(), 0);
    }

    @Test
    void retainGradKeepsIntermediateGradient() {
        Var x = Var.param(t(1, 2));
        Var h = x.scale(3).retainGrad();
        h.mul(h).sumAll().backward();
        assertArrayEquals(new double[] {6, 12}, h.grad().toDoubleArray(), 0); // 2h
        assertArrayEquals(new double[] {18, 36}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void deepChainNeedsNoRecursion() {
        Var x = Var.param(t(1));
        Var y = x;
        for (int i = 0; i < 20000; i++) y = y.affine(1, 0.001);
        y.sumAll().backward();
        assertEquals(1.0, x.grad().item(), 0);
    }

    @Test
    void backwardOnConstantIsAClearError() {
        Var c = Var.constant(t(1));
        IllegalStateException e = assertThrows(IllegalStateException.class, c::backward);
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    /** y = k·x, with its gradient k·g in a new tensor, marked fresh or not; or passed through unchanged (k = 0). */
    private static final class Scale extends Function {
        final double k;
        final boolean mark;

        Scale(double k, boolean mark) {
            this.k = k;
            this.mark = mark;
        }

        @Override
        protected Tensor forward(Tensor... x) {
            return k == 0 ? x[0] : Ops.scale(x[0], k);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            if (k == 0) return new Tensor[] {g}; // gradOut itself: never the engine's to change
            Tensor out = Ops.scale(g, k);
            return new Tensor[] {mark ? fresh(out) : out};
        }
    }

    /** a + b whose backward returns gradOut itself to both inputs. */
    private static final class Pair extends Function {
        @Override
        protected Tensor forward(Tensor... x) {
            return Ops.add(x[0], x[1]);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g, g};
        }
    }

    /** y = k·x; backward adds k·g into the engine's held gradient when there is one (and returns null), else returns it. */
    private static final class ScaleInto extends Function {
        final double k;
        int heldSeen;

        ScaleInto(double k) {
            this.k = k;
        }

        @Override
        protected Tensor forward(Tensor... x) {
            return Ops.scale(x[0], k);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor held = heldGrad(0), mine = Ops.scale(g, k);
            if (held == null) return new Tensor[] {mine};
            heldSeen++;
            Backends.current().accumulate(held, mine);
            return new Tensor[] {null};
        }
    }

    @Test
    void aBackwardMayAddIntoTheGradientTheEngineHolds() {
        int heldWhenFresh = 0;
        for (boolean fresh : new boolean[] {true, false})
            for (int arrangement = 0; arrangement < 2; arrangement++) {
                Var x = Var.param(t(1, 2));
                ScaleInto into = new ScaleInto(3);
                Var a = Function.apply(new Scale(2, fresh), x), b = Function.apply(into, x);
                (arrangement == 0 ? a.add(b) : b.add(a)).sumAll().backward();
                assertArrayEquals(new double[] {5, 5}, x.grad().toDoubleArray(), 0);
                if (!fresh) assertEquals(0, into.heldSeen, "a gradient the engine does not own is never held out");
                else heldWhenFresh += into.heldSeen;
            }
        assertTrue(heldWhenFresh > 0, "the fresh 2x gradient is held out when the other node runs after it");
        Var x = Var.param(t(1, 2));
        ScaleInto into = new ScaleInto(3);
        Function.apply(new Scale(2, true), x).add(Function.apply(into, Function.apply(new Scale(1, false), x))).sumAll().backward();
        assertEquals(0, into.heldSeen, "only the gradient of its own input");
        assertArrayEquals(new double[] {5, 5}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void freshGradientsAreSummedInPlaceWithoutTouchingOthers() {
        // x feeds four nodes: fresh 2x, pass-through, fresh 3x, plain 5x; dy/dx = 2 + 1 + 3 + 5 = 11 per element
        for (boolean[] marks : new boolean[][] {{true, true}, {false, false}, {true, false}, {false, true}}) {
            Var x = Var.param(t(1, 2, 3));
            Var y = Function.apply(new Scale(2, marks[0]), x).add(Function.apply(new Scale(0, false), x))
                    .add(Function.apply(new Scale(3, marks[1]), x)).add(Function.apply(new Scale(5, false), x));
            Tensor seed = t(1, -1, 0.5);
            y.backward(seed);
            assertArrayEquals(new double[] {1, -1, 0.5}, seed.toDoubleArray(), 0, "the caller's seed is not written into");
            assertArrayEquals(new double[] {11, -11, 5.5}, x.grad().toDoubleArray(), 1e-15);
            Var.backward(java.util.List.of(y), java.util.List.of(seed)); // y's graph again: the kept gradient accumulates
            assertArrayEquals(new double[] {22, -22, 11}, x.grad().toDoubleArray(), 1e-15);
        }
    }

    @Test
    void aLeafKeepsAFreshGradientWithoutACopyButNotAPassedThroughOne() {
        Var x = Var.param(t(1, 2));
        Var y = Function.apply(new Scale(2, true), x);
        Tensor seed = t(1, 1);
        y.backward(seed);
        assertArrayEquals(new double[] {2, 2}, x.grad().toDoubleArray(), 0);
        // p = r1 + r2 gets an owned gradient G (2 + 3 = 5) and hands that one tensor to both inputs, so neither may own
        // it: r1's other gradient (7) must not be added into what r2 holds
        for (int arrangement = 0; arrangement < 4; arrangement++) {
            Var r1 = Var.param(t(1, 2)), r2 = Var.param(t(3, 4));
            Var p = Function.apply(new Pair(), r1, r2);
            Var a = Function.apply(new Scale(2, true), p).add(Function.apply(new Scale(3, true), p));
            Var b = Function.apply(new Scale(7, true), r1);
            if (arrangement < 2) (arrangement == 0 ? a.add(b) : b.add(a)).sumAll().backward();
            else Var.backward(arrangement == 2 ? java.util.List.of(a, b) : java.util.List.of(b, a), java.util.List.of(t(1, 1), t(1, 1)));
            assertArrayEquals(new double[] {12, 12}, r1.grad().toDoubleArray(), 0, "arrangement " + arrangement);
            assertArrayEquals(new double[] {5, 5}, r2.grad().toDoubleArray(), 0, "arrangement " + arrangement);
        }
        Var z = Var.param(t(1, 2));
        Function.apply(new Scale(0, false), z).backward(seed);
        assertNotSame(seed, z.grad(), "a gradient the engine does not own is copied");
        z.grad().storage().set(0, 7);
        assertEquals(1.0, seed.toDoubleArray()[0], 0);
    }
}
