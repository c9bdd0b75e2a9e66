package org.ldm4j.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ldm4j.core.testing.GradCheck.check;
import static org.ldm4j.core.testing.GradCheck.input;
import static org.ldm4j.core.testing.GradCheck.uniformInput;

import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

class ArithmeticTest {
    private final Rng rng = new Rng(7);

    @Test
    void broadcastingBinaryOpsHaveExactGradients() {
        Tensor a = input(rng, 2, 3, 4);
        Tensor b = input(rng, 3, 1);
        check(in -> in[0].add(in[1]), a, b);
        check(in -> in[0].sub(in[1]), a, b);
        check(in -> in[0].mul(in[1]), a, b);
        Tensor d = uniformInput(rng, 0.5, 2.0, 1, 3, 1);
        check(in -> in[0].div(in[1]), a, d);
        check(in -> in[1].div(in[0]), a.abs().add(0.5).detach().requiresGrad(true), input(rng, 4));
    }

    @Test
    void unaryMathHasExactGradients() {
        Tensor x = input(rng, 3, 4);
        Tensor pos = uniformInput(rng, 0.3, 3.0, 3, 4);
        check(in -> in[0].neg(), x);
        check(in -> in[0].mul(2.5).add(1.5), x);
        check(in -> in[0].pow(2), x);
        check(in -> in[0].pow(3.5), pos);
        check(in -> in[0].exp(), x);
        check(in -> in[0].log(), pos);
        check(in -> in[0].sqrt(), pos);
        check(in -> in[0].rsqrt(), pos);
        check(in -> in[0].sin(), x);
        check(in -> in[0].cos(), x);
        check(in -> in[0].rsub(2.0), x);
        // abs and clamp away from their kinks
        Tensor away = uniformInput(rng, 0.1, 1.0, 3, 4).mul(rng.bernoulli(DType.FLOAT64, 0.5, 3, 4).mul(2).sub(1))
                .detach().requiresGrad(true);
        check(in -> in[0].abs(), away);
        check(in -> in[0].clamp(-0.5, 0.5), away);
    }

    @Test
    void aTensorUsedTwiceAccumulatesItsGradient() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
        x.mul(x).add(x).sum().backward();      // d/dx (x^2 + x) = 2x + 1
        assertArrayEquals(new double[] {3, 5, 7}, x.grad().toDoubleArray(), 1e-12);
        x.mul(3.0).sum().backward();           // a second backward adds
        assertArrayEquals(new double[] {6, 8, 10}, x.grad().toDoubleArray(), 1e-12);
        x.zeroGrad();
        assertEquals(null, x.grad());
    }

    @Test
    void mismatchedShapesAndDtypesAreNamed() {
        Tensor a = Tensor.zeros(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.add(Tensor.zeros(DType.FLOAT64, 2, 3)));
        assertTrue(e.getMessage().contains("FLOAT64"), e.getMessage());
    }
}
