package org.ldm4j.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

class GradClipTest {
    private static Tensor withGrad(double[] grad, long... shape) {
        Tensor p = Tensor.zeros(DType.FLOAT64, shape).requiresGrad(true);
        p.setGrad(Tensor.of(grad, shape));
        return p;
    }

    @Test
    void clipsToMaxNormAndReturnsThePreClipNorm() {
        Tensor a = withGrad(new double[] {3, 4}, 2);
        Tensor b = withGrad(new double[] {12}, 1, 1);
        Tensor noGrad = Tensor.zeros(DType.FLOAT64, 5).requiresGrad(true);
        List<Tensor> params = List.of(a, b, noGrad);
        assertEquals(13.0, GradClip.globalNorm(params), 1e-15);

        double norm = GradClip.clipGlobalNorm(params, 6.5);
        assertEquals(13.0, norm, 1e-15);
        double coef = 6.5 / (13.0 + 1e-6);                    // torch: max_norm / (total_norm + 1e-6)
        assertArrayEquals(new double[] {3 * coef, 4 * coef}, a.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {12 * coef}, b.grad().toDoubleArray(), 1e-15);
        assertEquals(6.5 * 13.0 / (13.0 + 1e-6), GradClip.globalNorm(params), 1e-12);
        assertEquals(6.5, GradClip.globalNorm(params), 1e-6);
        assertNull(noGrad.grad());
    }

    @Test
    void belowMaxNormNothingChanges() {
        Tensor a = withGrad(new double[] {0.3, -0.4}, 2);
        assertEquals(0.5, GradClip.clipGlobalNorm(List.of(a), 1.0), 1e-15);
        assertArrayEquals(new double[] {0.3, -0.4}, a.grad().toDoubleArray(), 0.0);
        assertEquals(0.0, GradClip.clipGlobalNorm(List.of(Tensor.zeros(DType.FLOAT64, 3).requiresGrad(true)), 1.0));
        Tensor zero = withGrad(new double[] {0, 0}, 2);
        assertEquals(0.0, GradClip.clipGlobalNorm(List.of(zero), 1.0));
    }

    @Test
    void aNonFiniteNormIsReturnedAndNothingIsScaled() {
        Tensor a = withGrad(new double[] {1, Double.NaN}, 2);
        Tensor b = withGrad(new double[] {100, 200}, 2);
        assertTrue(Double.isNaN(GradClip.clipGlobalNorm(List.of(a, b), 1.0)));
        assertArrayEquals(new double[] {100, 200}, b.grad().toDoubleArray(), 0.0);
        Tensor c = withGrad(new double[] {Double.POSITIVE_INFINITY, 1}, 2);
        assertEquals(Double.POSITIVE_INFINITY, GradClip.clipGlobalNorm(List.of(c, b), 1.0));
        assertArrayEquals(new double[] {100, 200}, b.grad().toDoubleArray(), 0.0);
    }

    @Test
    void aTensorListedTwiceCountsOnceAndIsScaledOnce() {
        Tensor a = withGrad(new double[] {3, 4}, 2);
        assertEquals(5.0, GradClip.clipGlobalNorm(List.of(a, a), 1.0), 1e-15);
        assertEquals(5.0 / (5.0 + 1e-6), GradClip.globalNorm(List.of(a)), 1e-12);
    }

    @Test
    void float32GradientsAreSummedInDouble() {
        Tensor g = new Rng(3).normal(DType.FLOAT32, 1000, 100);
        Tensor p = Tensor.zeros(DType.FLOAT32, 1000, 100).requiresGrad(true);
        p.setGrad(g);
        double exact = 0;
        for (float f : g.toFloatArray()) {
            exact += (double) f * f;
        }
        exact = Math.sqrt(exact);
        assertEquals(exact, GradClip.globalNorm(List.of(p)), 1e-12 * exact);
        double norm = GradClip.clipGlobalNorm(List.of(p), 10.0);
        assertEquals(exact, norm, 1e-12 * exact);
        assertEquals(DType.FLOAT32, p.grad().dtype());
        assertEquals(10.0, GradClip.globalNorm(List.of(p)), 1e-5);
    }

    @Test
    void argumentsAreChecked() {
        Tensor a = withGrad(new double[] {3, 4}, 2);
        assertEquals("maxNorm: expected a finite number > 0, found 0.0",
                assertThrows(IllegalArgumentException.class, () -> GradClip.clipGlobalNorm(List.of(a), 0)).getMessage());
        assertEquals("maxNorm: expected a finite number > 0, found NaN",
                assertThrows(IllegalArgumentException.class,
                        () -> GradClip.clipGlobalNorm(List.of(a), Double.NaN)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradClip.globalNorm(null));
        assertArrayEquals(new double[] {3, 4}, a.grad().toDoubleArray(), 0.0);
    }
}
