package org.ldm4j.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

class AutogradTest {
    private final Rng rng = new Rng(17);

    @Test
    void gradWithRespectToChosenTensorsLeavesGradFieldsAlone() {
        Tensor w = rng.normal(DType.FLOAT64, 3).requiresGrad(true);
        Tensor x = rng.normal(DType.FLOAT64, 3).requiresGrad(true);
        Tensor h = w.mul(x);                                 // an intermediate
        Tensor loss1 = h.square().sum();                     // d/dw = 2 w x^2, d/dh = 2h
        Tensor loss2 = h.sum().mul(3.0);                     // d/dw = 3 x
        List<Tensor> g1 = Autograd.grad(loss1, List.of(w, h), true);
        List<Tensor> g2 = Autograd.grad(loss2, List.of(w), true);
        double[] wv = w.toDoubleArray();
        double[] xv = x.toDoubleArray();
        for (int i = 0; i < 3; i++) {
            assertEquals(2 * wv[i] * xv[i] * xv[i], g1.get(0).get(i), 1e-12);
            assertEquals(2 * wv[i] * xv[i], g1.get(1).get(i), 1e-12);
            assertEquals(3 * xv[i], g2.get(0).get(i), 1e-12);
        }
        assertNull(w.grad());
        assertNull(x.grad());
        // the graph was retained: a full backward still works
        loss1.backward();
        assertEquals(2 * wv[1] * xv[1] * xv[1], w.grad().get(1), 1e-12);
    }

    @Test
    void gradOfAnUnrelatedTensorIsNull() {
        Tensor a = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {3, 4}, 2).requiresGrad(true);
        List<Tensor> g = Autograd.grad(a.sum(), List.of(a, b), false);
        assertArrayEquals(new double[] {1, 1}, g.get(0).toDoubleArray(), 0);
        assertNull(g.get(1));
    }

    @Test
    void aFreedGraphCannotBeWalkedTwice() {
        Tensor x = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor y = x.exp().sum();
        y.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());
        Tensor z = x.exp().sum();
        z.backward(Tensor.scalar(DType.FLOAT64, 1), true);
        z.backward(Tensor.scalar(DType.FLOAT64, 1), true);     // retained: fine, and accumulates
        assertEquals(2 * (Math.exp(1) + 1 * Math.exp(1)) / 2 + Math.exp(1), x.grad().get(0), 1e-12);
    }

    @Test
    void noGradModeRecordsNothing() {
        Tensor x = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor y;
        try (GradMode.Scope g = GradMode.disabled()) {
            y = x.mul(2.0).exp();
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertFalse(y.requiresGrad());
        assertNull(y.node());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void retainedIntermediateGradientsAreKept() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor h = x.mul(2.0).retainGrad();
        h.square().sum().backward();
        assertArrayEquals(new double[] {4, 8, 12}, h.grad().toDoubleArray(), 0);   // 2h
        assertArrayEquals(new double[] {8, 16, 24}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void backwardOfANonScalarNeedsAGradient() {
        Tensor x = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor y = x.mul(3.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e.getMessage().contains("one-element"), e.getMessage());
        y.backward(Tensor.of(new double[] {1, 10}, 2));
        assertArrayEquals(new double[] {3, 30}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void leavesSharingOneGradientArrayKeepSeparateGradients() {
        // add's backward hands the same array to both inputs; adopting it for both would tie their .grad together
        Tensor a = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {3, 4}, 2).requiresGrad(true);
        a.add(b).sum().backward();
        a.mul(2.0).add(b).sum().backward();
        assertArrayEquals(new double[] {3, 3}, a.grad().toDoubleArray(), 0);
        assertArrayEquals(new double[] {2, 2}, b.grad().toDoubleArray(), 0);
        Tensor x = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        x.add(x).sum().backward();                     // one leaf reached twice through the same array
        assertArrayEquals(new double[] {2, 2}, x.grad().toDoubleArray(), 0);
        Tensor given = Tensor.of(new double[] {5, 7}, 2);
        Tensor y = Tensor.of(new double[] {0, 0}, 2).requiresGrad(true);
        y.add(0.0).backward(given);                    // the caller's gradient is never adopted
        given.toDoubleArray();
        y.zeroGrad();
        y.mul(3.0).backward(Tensor.of(new double[] {1, 1}, 2));
        assertArrayEquals(new double[] {5, 7}, given.toDoubleArray(), 0);
        assertArrayEquals(new double[] {3, 3}, y.grad().toDoubleArray(), 0);
    }

    @Test
    void diamondGraphsSumBothPaths() {
        Tensor x = rng.normal(DType.FLOAT64, 4).requiresGrad(true);
        Tensor a = x.exp();
        Tensor b = a.mul(2.0);
        Tensor c = a.sin();
        b.add(c).sum().backward();                 // d/dx = e^x (2 + cos(e^x))
        double[] xv = x.toDoubleArray();
        for (int i = 0; i < 4; i++) {
            double ex = Math.exp(xv[i]);
            assertEquals(ex * (2 + Math.cos(ex)), x.grad().get(i), 1e-12);
        }
    }

    @Test
    void reshapeAndPermuteChainsBackpropagate() {
        Tensor x = rng.normal(DType.FLOAT64, 2, 3, 4).requiresGrad(true);
        Tensor y = x.permute(2, 0, 1).reshape(4, 6).slice(0, 1, 3).mul(2.0);
        y.sum().backward();
        double[] g = x.grad().toDoubleArray();
        for (int i = 0; i < 24; i++) {
            int last = i % 4;
            assertEquals(last == 1 || last == 2 ? 2 : 0, g[i], 0, "element " + i);
        }
    }
}
