package org.ldm4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/** The forward process and posterior against hand computations from the betas, and argument checking. */
class DiffusionProcessTest {
    private static final NoiseSchedule SD = NoiseSchedule.linear(1000, 0.00085, 0.012);
    private static final long[] T = {0, 5, 999};

    /** abar_t recomputed from the betas, independently of NoiseSchedule. */
    private static double abar(double[] betas, long t) {
        double a = 1;
        for (int s = 0; s <= t; s++) {
            a *= 1 - betas[s];
        }
        return a;
    }

    @Test
    void qSampleIsTheClosedFormForwardProcess() {
        DiffusionProcess p = new DiffusionProcess(SD, Prediction.EPSILON);
        Rng rng = new Rng(1);
        Tensor x0 = rng.normal(DType.FLOAT64, 3, 2, 4, 4);
        Tensor eps = rng.normal(DType.FLOAT64, 3, 2, 4, 4);
        Tensor xt = p.qSample(x0, Tensor.of(T, 3), eps);
        double[] a = x0.toDoubleArray();
        double[] e = eps.toDoubleArray();
        double[] y = xt.toDoubleArray();
        double[] betas = SD.betas();
        for (int i = 0; i < y.length; i++) {
            double ab = abar(betas, T[i / 32]);
            assertEquals(Math.sqrt(ab) * a[i] + Math.sqrt(1 - ab) * e[i], y[i], 1e-14);
        }
    }

    @Test
    void float32UsesFloat32RoundedCoefficientsAsTheReferenceBuffers() {
        DiffusionProcess p = new DiffusionProcess(SD, Prediction.EPSILON);
        Rng rng = new Rng(2);
        Tensor x0 = rng.normal(3, 1, 2, 2);
        Tensor eps = rng.normal(3, 1, 2, 2);
        Tensor xt = p.qSample(x0, Tensor.of(new float[] {0, 5, 999}, 3), eps);
        assertEquals(DType.FLOAT32, xt.dtype());
        float[] a = x0.toFloatArray();
        float[] e = eps.toFloatArray();
        float[] y = xt.toFloatArray();
        for (int i = 0; i < y.length; i++) {
            int t = (int) T[i / 4];
            float c1 = (float) Math.sqrt(SD.alphaCumprod(t));
            float c2 = (float) Math.sqrt(1 - SD.alphaCumprod(t));
            assertEquals(c1 * a[i] + c2 * e[i], y[i], Math.ulp(y[i]));
        }
    }

    @Test
    void posteriorMatchesAHandComputation() {
        DiffusionProcess p = new DiffusionProcess(SD, Prediction.EPSILON);
        Rng rng = new Rng(3);
        Tensor x0 = rng.normal(DType.FLOAT64, 3, 2, 3, 3);
        Tensor xt = rng.normal(DType.FLOAT64, 3, 2, 3, 3);
        DiffusionProcess.Posterior q = p.qPosterior(x0, xt, Tensor.of(T, 3));
        assertArrayEquals(new long[] {3, 1, 1, 1}, q.variance().shape());
        assertArrayEquals(new long[] {3, 1, 1, 1}, q.logVariance().shape());
        double[] betas = SD.betas();
        double[] a = x0.toDoubleArray();
        double[] b = xt.toDoubleArray();
        double[] m = q.mean().toDoubleArray();
        for (int k = 0; k < 3; k++) {
            long t = T[k];
            double ab = abar(betas, t);
            double abPrev = t == 0 ? 1 : abar(betas, t - 1);
            double beta = betas[(int) t];
            double var = beta * (1 - abPrev) / (1 - ab);                              // DDPM eq. 7
            assertEquals(var, q.variance().get(k, 0, 0, 0), 1e-15 * Math.max(var, 1e-3));
            assertEquals(Math.log(Math.max(var, 1e-20)), q.logVariance().get(k, 0, 0, 0), 1e-12);
            double c1 = beta * Math.sqrt(abPrev) / (1 - ab);
            double c2 = (1 - abPrev) * Math.sqrt(1 - beta) / (1 - ab);
            for (int i = k * 18; i < (k + 1) * 18; i++) {
                assertEquals(c1 * a[i] + c2 * b[i], m[i], 1e-13);
            }
        }
        assertEquals(Math.log(1e-20), q.logVariance().get(0, 0, 0, 0), 1e-12, "t = 0 is clipped");
        // at t = 0 the posterior mean is x0 itself, up to the rounding of 1 - (1 - beta_0) in coef1
        for (int i = 0; i < 18; i++) {
            assertEquals(a[i], m[i], 1e-12 * Math.abs(a[i]));
        }
    }

    @Test
    void pMeanVarianceClipsTheDenoisedSample() {
        DiffusionProcess p = new DiffusionProcess(SD, Prediction.SAMPLE);
        Tensor t = Tensor.of(new long[] {500, 500}, 2);
        Tensor xt = new Rng(4).normal(DType.FLOAT64, 2, 1, 2, 2);
        Tensor out = Tensor.of(new double[] {-3, -1, 0.5, 2, 0.1, 7, -0.2, 1}, 2, 1, 2, 2);
        Tensor clipped = Tensor.of(new double[] {-1, -1, 0.5, 1, 0.1, 1, -0.2, 1}, 2, 1, 2, 2);
        assertEquals(0.0, p.predictX0(xt, t, out, true).maxAbsDiff(clipped));
        assertSame(out, p.predictX0(xt, t, out, false));
        DiffusionProcess.Posterior model = p.pMeanVariance(xt, t, out, true);
        assertEquals(0.0, model.mean().maxAbsDiff(p.qPosterior(clipped, xt, t).mean()));
        DiffusionProcess.Posterior raw = p.pMeanVariance(xt, t, out, false);
        assertEquals(0.0, raw.mean().maxAbsDiff(p.qPosterior(out, xt, t).mean()));
        assertTrue(raw.mean().maxAbsDiff(model.mean()) > 1e-3);
    }

    @Test
    void targetsFollowThePrediction() {
        Rng rng = new Rng(5);
        Tensor x0 = rng.normal(DType.FLOAT64, 2, 1, 2, 2);
        Tensor eps = rng.normal(DType.FLOAT64, 2, 1, 2, 2);
        Tensor t = Tensor.of(new long[] {3, 700}, 2);
        assertSame(eps, new DiffusionProcess(SD, Prediction.EPSILON).target(x0, t, eps));
        assertSame(x0, new DiffusionProcess(SD, Prediction.SAMPLE).target(x0, t, eps));
        DiffusionProcess v = new DiffusionProcess(SD, Prediction.V);
        Tensor expected = eps.mul(Tensor.of(new double[] {Math.sqrt(SD.alphaCumprod(3)),
                Math.sqrt(SD.alphaCumprod(700))}, 2, 1, 1, 1)).sub(x0.mul(Tensor.of(new double[] {
                Math.sqrt(1 - SD.alphaCumprod(3)), Math.sqrt(1 - SD.alphaCumprod(700))}, 2, 1, 1, 1)));
        assertEquals(0.0, v.target(x0, t, eps).maxAbsDiff(expected), 1e-15);
    }

    @Test
    void timestepsAreValidatedWithClearErrors() {
        DiffusionProcess p = new DiffusionProcess(SD, Prediction.EPSILON);
        Tensor x = Tensor.zeros(2, 4, 8, 8);
        String m = assertThrows(IllegalArgumentException.class,
                () -> p.qSample(x, Tensor.of(new long[] {1, 2, 3}, 3), x)).getMessage();
        assertEquals("t: expected shape [2] (one timestep per sample of the batch), got [3]", m);
        m = assertThrows(IllegalArgumentException.class,
                () -> p.qSample(x, Tensor.of(new long[] {1, 2}, 2, 1), x)).getMessage();
        assertTrue(m.startsWith("t: expected shape [2]") && m.endsWith("got [2, 1]"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> p.qSample(x, Tensor.of(new long[] {1, 1000}, 2), x)).getMessage();
        assertEquals("t: expected timesteps in [0, 1000), got 1000 at index 1", m);
        m = assertThrows(IllegalArgumentException.class,
                () -> p.qSample(x, Tensor.of(new long[] {-1, 0}, 2), x)).getMessage();
        assertEquals("t: expected timesteps in [0, 1000), got -1 at index 0", m);
        m = assertThrows(IllegalArgumentException.class,
                () -> p.qSample(x, Tensor.of(new float[] {1.5f, 2}, 2), x)).getMessage();
        assertEquals("t: expected whole-number timesteps, got 1.5 at index 0", m);
        m = assertThrows(IllegalArgumentException.class,
                () -> p.qSample(x, null, x)).getMessage();
        assertTrue(m.startsWith("t:"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> p.qSample(x, Tensor.of(new long[] {1, 2}, 2), Tensor.zeros(2, 4, 8, 9))).getMessage();
        assertTrue(m.startsWith("noise: expected shape [2, 4, 8, 8]"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> p.qSample(x, Tensor.of(new long[] {1, 2}, 2), Tensor.zeros(DType.FLOAT64, 2, 4, 8, 8)))
                .getMessage();
        assertTrue(m.startsWith("noise:") && m.contains("FLOAT64"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> p.predictX0(x, Tensor.of(new long[] {1, 2}, 2), Tensor.zeros(2, 4, 8))).getMessage();
        assertTrue(m.startsWith("output:"), m);
        // every accepted dtype gives the same result
        Tensor ref = p.qSample(x.add(1), Tensor.of(new long[] {7, 900}, 2), x);
        assertEquals(0.0, p.qSample(x.add(1), Tensor.of(new int[] {7, 900}, 2), x).maxAbsDiff(ref));
        assertEquals(0.0, p.qSample(x.add(1), Tensor.of(new float[] {7, 900}, 2), x).maxAbsDiff(ref));
        assertEquals(0.0, p.qSample(x.add(1), Tensor.of(new double[] {7, 900}, 2), x).maxAbsDiff(ref));
        assertArrayEquals(new long[] {7, 900}, p.timesteps(Tensor.of(new double[] {7, 900}, 2), x));
    }

    @Test
    void worksForAnyRankWithTheBatchFirst() {
        DiffusionProcess p = new DiffusionProcess(SD, Prediction.V);
        Tensor x0 = new Rng(6).normal(DType.FLOAT64, 3, 5);
        Tensor eps = new Rng(7).normal(DType.FLOAT64, 3, 5);
        Tensor t = Tensor.of(T, 3);
        Tensor xt = p.qSample(x0, t, eps);
        assertArrayEquals(new long[] {3, 5}, xt.shape());
        assertEquals(0.0, p.predictX0(xt, t, p.v(x0, t, eps)).maxAbsDiff(x0), 1e-14);
    }

    @Test
    void qSampleIsDifferentiable() {
        DiffusionProcess p = new DiffusionProcess(SD, Prediction.V);
        Rng rng = new Rng(8);
        Tensor t = Tensor.of(new long[] {10, 900}, 2);
        org.ldm4j.core.testing.GradCheck.check(in -> p.predictEps(p.qSample(in[0], t, in[1]), t, in[1]),
                org.ldm4j.core.testing.GradCheck.input(rng, 2, 1, 2, 2),
                org.ldm4j.core.testing.GradCheck.input(rng, 2, 1, 2, 2));
    }
}
