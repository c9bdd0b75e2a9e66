package org.ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/** The posterior: chunking, clamping, sampling and the divergences against closed forms. */
class DiagonalGaussianTest {

    @Test
    void meanIsTheFirstHalfAndLogvarIsClamped() {
        // [1, 2, 1, 2]: mean channel (0.5, -1), logvar channel (50, -40)
        DiagonalGaussian d = new DiagonalGaussian(Tensor.of(new double[] {0.5, -1, 50, -40}, 1, 2, 1, 2));
        assertArrayEquals(new double[] {0.5, -1}, d.mean().toDoubleArray(), 0);
        assertArrayEquals(new double[] {20, -30}, d.logvar().toDoubleArray(), 0);
        assertArrayEquals(new double[] {Math.exp(10), Math.exp(-15)}, d.std().toDoubleArray(), 1e-9);
        assertArrayEquals(new double[] {Math.exp(20), Math.exp(-30)}, d.var().toDoubleArray(), 1e-3);
        assertEquals(d.mean(), d.mode());
        assertArrayEquals(new long[] {1, 1, 1, 2}, d.shape());
    }

    @Test
    void klAgainstTheClosedForm() {
        Rng rng = new Rng(1);
        Tensor moments = rng.normal(DType.FLOAT64, 2, 6, 3, 3);
        DiagonalGaussian d = new DiagonalGaussian(moments);
        double[] m = d.mean().toDoubleArray();
        double[] lv = d.logvar().toDoubleArray();
        double[] kl = d.kl().toDoubleArray();
        for (int b = 0; b < 2; b++) {
            double sum = 0;
            for (int i = b * 27; i < (b + 1) * 27; i++) {
                sum += m[i] * m[i] + Math.exp(lv[i]) - 1 - lv[i];
            }
            assertEquals(0.5 * sum, kl[b], 1e-12);
        }
        DiagonalGaussian standard = new DiagonalGaussian(Tensor.zeros(DType.FLOAT64, 2, 6, 3, 3));
        assertTrue(d.kl(standard).maxAbsDiff(d.kl()) < 1e-12);
        assertTrue(d.kl(d).maxAbsDiff(Tensor.zeros(DType.FLOAT64, 2)) < 1e-12);
    }

    @Test
    void nllAgainstTheClosedForm() {
        Rng rng = new Rng(2);
        DiagonalGaussian d = new DiagonalGaussian(rng.normal(DType.FLOAT64, 1, 2, 2, 2));
        Tensor x = rng.normal(DType.FLOAT64, 1, 1, 2, 2);
        double[] m = d.mean().toDoubleArray();
        double[] lv = d.logvar().toDoubleArray();
        double[] xv = x.toDoubleArray();
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            sum += Math.log(2 * Math.PI) + lv[i] + (xv[i] - m[i]) * (xv[i] - m[i]) / Math.exp(lv[i]);
        }
        assertEquals(0.5 * sum, d.nll(x).item(), 1e-12);
    }

    @Test
    void samplingIsReparameterisedAndSeeded() {
        DiagonalGaussian d = new DiagonalGaussian(new Rng(3).normal(DType.FLOAT64, 2, 8, 4, 4));
        Tensor a = d.sample(new Rng(4));
        Tensor b = d.sample(new Rng(4));
        assertEquals(0, a.maxAbsDiff(b));
        Tensor noise = new Rng(4).normal(DType.FLOAT64, 2, 4, 4, 4);
        assertTrue(a.maxAbsDiff(d.mean().add(d.std().mul(noise))) < 1e-15);
        assertThrows(IllegalArgumentException.class, () -> d.sample((Rng) null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DiagonalGaussian(Tensor.zeros(1, 3, 2, 2)));
        assertTrue(e.getMessage().startsWith("moments: expected an even channel count"), e.getMessage());
    }
}
