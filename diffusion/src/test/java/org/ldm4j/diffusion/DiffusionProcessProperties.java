package org.ldm4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/**
 * Round trips through the forward process in float64, for every schedule kind and length: x_t = q_sample(x0, t, eps)
 * and the true eps (or v, or x0) give back x0 and eps. Converting eps to x0 divides by sqrt(abar_t), so that
 * tolerance is scaled by it (it is 1e-13 relative to the conditioning); the v conversions are well conditioned
 * everywhere, including at zero terminal SNR, and use a flat 1e-13.
 */
class DiffusionProcessProperties {

    private record Case(NoiseSchedule schedule, long[] t, Tensor x0, Tensor eps) {
        Tensor tt() {
            return Tensor.of(t, t.length);
        }
    }

    private static Case make(NoiseSchedule.Kind kind, int n, boolean zeroSnr, double where, long seed) {
        NoiseSchedule s = NoiseSchedule.of(kind, n, 1e-4, 2e-2, 8e-3);
        if (zeroSnr && n > 1) {
            s = s.rescaledToZeroTerminalSnr();
        }
        long t0 = Math.min(n - 1, (long) Math.floor(where * n));
        Rng rng = new Rng(seed);
        long[] t = {t0, n - 1, 0};                              // the drawn step and both ends
        return new Case(s, t, rng.normal(DType.FLOAT64, 3, 2, 3, 3), rng.normal(DType.FLOAT64, 3, 2, 3, 3));
    }

    private static void assertClose(Tensor expected, Tensor actual, double[] tolPerSample, String what) {
        for (int b = 0; b < tolPerSample.length; b++) {
            double d = expected.slice(0, b, b + 1).maxAbsDiff(actual.slice(0, b, b + 1));
            assertTrue(d <= tolPerSample[b], what + ": sample " + b + " differs by " + d + " > " + tolPerSample[b]);
        }
    }

    @Property(tries = 150)
    void epsilonRoundTrip(@ForAll NoiseSchedule.Kind kind, @ForAll @IntRange(min = 1, max = 2000) int n,
                          @ForAll @DoubleRange(min = 0, max = 1) double where, @ForAll long seed) {
        Case c = make(kind, n, false, where, seed);
        DiffusionProcess p = new DiffusionProcess(c.schedule(), Prediction.EPSILON);
        Tensor xt = p.qSample(c.x0(), c.tt(), c.eps());
        double[] tol = new double[3];
        for (int b = 0; b < 3; b++) {
            tol[b] = 1e-13 * (1 + 1 / Math.sqrt(c.schedule().alphaCumprod((int) c.t()[b])));
        }
        assertClose(c.x0(), p.predictX0(xt, c.tt(), c.eps()), tol, "x0 from eps");
        assertSame(c.eps(), p.predictEps(xt, c.tt(), c.eps()));
    }

    @Property(tries = 150)
    void vRoundTrip(@ForAll NoiseSchedule.Kind kind, @ForAll @IntRange(min = 1, max = 2000) int n,
                    @ForAll boolean zeroSnr, @ForAll @DoubleRange(min = 0, max = 1) double where,
                    @ForAll long seed) {
        Case c = make(kind, n, zeroSnr, where, seed);
        DiffusionProcess p = new DiffusionProcess(c.schedule(), Prediction.V);
        Tensor xt = p.qSample(c.x0(), c.tt(), c.eps());
        Tensor v = p.v(c.x0(), c.tt(), c.eps());
        double[] tol = {1e-13, 1e-13, 1e-13};
        assertClose(c.x0(), p.predictX0(xt, c.tt(), v), tol, "x0 from v");
        assertClose(c.eps(), p.predictEps(xt, c.tt(), v), tol, "eps from v");
        assertClose(v, p.target(c.x0(), c.tt(), c.eps()), new double[] {0, 0, 0}, "the v target");
    }

    @Property(tries = 150)
    void sampleRoundTrip(@ForAll NoiseSchedule.Kind kind, @ForAll @IntRange(min = 1, max = 2000) int n,
                         @ForAll boolean zeroSnr, @ForAll @DoubleRange(min = 0, max = 1) double where,
                         @ForAll long seed) {
        Case c = make(kind, n, zeroSnr, where, seed);
        DiffusionProcess p = new DiffusionProcess(c.schedule(), Prediction.SAMPLE);
        Tensor xt = p.qSample(c.x0(), c.tt(), c.eps());
        double[] tol = new double[3];
        for (int b = 0; b < 3; b++) {
            tol[b] = 1e-13 * (1 + 1 / Math.sqrt(1 - c.schedule().alphaCumprod((int) c.t()[b])));
        }
        assertClose(c.eps(), p.predictEps(xt, c.tt(), c.x0()), tol, "eps from x0");
        assertSame(c.x0(), p.predictX0(xt, c.tt(), c.x0()));
    }

    /** With the true x0, the posterior mean equals DDPM eq. 11: (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t). */
    @Property(tries = 150)
    void posteriorMeanIsDdpmEquationEleven(@ForAll NoiseSchedule.Kind kind,
                                           @ForAll @IntRange(min = 1, max = 2000) int n,
                                           @ForAll @DoubleRange(min = 0, max = 1) double where,
                                           @ForAll long seed) {
        Case c = make(kind, n, false, where, seed);
        DiffusionProcess p = new DiffusionProcess(c.schedule(), Prediction.EPSILON);
        Tensor xt = p.qSample(c.x0(), c.tt(), c.eps());
        Tensor mean = p.qPosterior(c.x0(), xt, c.tt()).mean();
        double[] k1 = new double[3];
        double[] k2 = new double[3];
        double[] tol = new double[3];
        for (int b = 0; b < 3; b++) {
            int t = (int) c.t()[b];
            double beta = c.schedule().beta(t);
            k1[b] = 1 / Math.sqrt(1 - beta);
            k2[b] = beta / Math.sqrt(1 - c.schedule().alphaCumprod(t)) / Math.sqrt(1 - beta);
            tol[b] = 1e-12 * (1 + k1[b]);
        }
        Tensor eq11 = xt.mul(Tensor.of(k1, 3, 1, 1, 1)).sub(c.eps().mul(Tensor.of(k2, 3, 1, 1, 1)));
        assertClose(eq11, mean, tol, "posterior mean vs eq. 11");
        // and its variance is the schedule's
        DiffusionProcess.Posterior q = p.qPosterior(c.x0(), xt, c.tt());
        for (int b = 0; b < 3; b++) {
            assertEquals(c.schedule().posteriorVariance((int) c.t()[b]), q.variance().get(b, 0, 0, 0));
        }
    }
}
