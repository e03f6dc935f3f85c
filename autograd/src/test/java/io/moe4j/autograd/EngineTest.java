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
}
