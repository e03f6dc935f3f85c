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
