package org.ldm4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import org.junit.jupiter.api.Test;

/** Properties of every schedule kind for lengths 1..2000, and of the zero-terminal-SNR rescale. */
class NoiseScheduleProperties {

    /** A schedule of {@code kind}: start in [1e-5, 1e-2], end = start + extra, cosine offset s in [0, 0.02]. */
    static NoiseSchedule make(NoiseSchedule.Kind kind, int n, double start, double extra, double s) {
        return NoiseSchedule.of(kind, n, start, start + extra, s);
    }

    static void checkValid(NoiseSchedule sch, boolean zeroTerminal) {
        int n = sch.length();
        double[] b = sch.betas();
        double[] a = sch.alphasCumprod();
        for (int t = 0; t < n; t++) {
            assertTrue(b[t] > 0 && b[t] <= 1, "beta_" + t + " = " + b[t] + " in " + sch);
            boolean last = t == n - 1;
            if (zeroTerminal && last) {
                assertEquals(0.0, a[t], "abar_{T-1} of a zero-terminal-SNR schedule");
            } else {
                assertTrue(a[t] > 0 && a[t] < 1, "abar_" + t + " = " + a[t] + " in " + sch);
            }
            if (t > 0) {
                assertTrue(a[t] < a[t - 1], "abar must decrease strictly at t=" + t + " in " + sch);
                assertTrue(sch.snr(t) < sch.snr(t - 1), "SNR must decrease strictly at t=" + t + " in " + sch);
                assertEquals(a[t - 1], sch.alphaCumprodPrev(t));
            }
        }
        assertEquals(1.0, sch.alphaCumprodPrev(0));
        assertArrayEquals(sch.alphasCumprod(), a, 0.0);           // accessors hand out copies
    }

    @Property(tries = 200)
    void everyScheduleIsValid(@ForAll NoiseSchedule.Kind kind, @ForAll @IntRange(min = 1, max = 2000) int n,
                              @ForAll @Scale(8) @DoubleRange(min = 1e-5, max = 1e-2) double start,
                              @ForAll @Scale(8) @DoubleRange(min = 0, max = 0.03) double extra,
                              @ForAll @Scale(8) @DoubleRange(min = 0, max = 0.02) double s) {
        NoiseSchedule sch = make(kind, n, start, extra, s);
        assertEquals(n, sch.length());
        assertEquals(kind, sch.kind());
        checkValid(sch, false);
    }

    @Property(tries = 200)
    void zeroTerminalSnrKeepsTheFirstAndZeroesTheLast(@ForAll NoiseSchedule.Kind kind,
                                                       @ForAll @IntRange(min = 2, max = 2000) int n,
                                                       @ForAll @Scale(8) @DoubleRange(min = 1e-5, max = 1e-2) double start,
                                                       @ForAll @Scale(8) @DoubleRange(min = 0, max = 0.03) double extra,
                                                       @ForAll @Scale(8) @DoubleRange(min = 0, max = 0.02) double s) {
        NoiseSchedule base = make(kind, n, start, extra, s);
        NoiseSchedule z = base.rescaledToZeroTerminalSnr();
        assertTrue(z.isZeroTerminalSnr());
        assertEquals(base.alphaCumprod(0), z.alphaCumprod(0), 4 * Math.ulp(1.0), "abar_0 is kept");
        assertEquals(0.0, z.alphaCumprod(n - 1));
        assertEquals(1.0, z.beta(n - 1));
        assertEquals(0.0, z.snr(n - 1));
        checkValid(z, true);
        // sqrt(abar) is an affine map of the original's: sqrt(abar'_t) = (sqrt(abar_t) - sqrt(abar_T)) * k
        double a0 = Math.sqrt(base.alphaCumprod(0));
        double aT = Math.sqrt(base.alphaCumprod(n - 1));
        int mid = n / 2;
        double expected = (Math.sqrt(base.alphaCumprod(mid)) - aT) * a0 / (a0 - aT);
        assertEquals(expected, Math.sqrt(z.alphaCumprod(mid)), 1e-12);
    }

    @Property(tries = 100)
    void posteriorCoefficientsAreConsistent(@ForAll NoiseSchedule.Kind kind,
                                            @ForAll @IntRange(min = 2, max = 2000) int n,
                                            @ForAll @Scale(8) @DoubleRange(min = 0, max = 1) double where) {
        NoiseSchedule sch = make(kind, n, 1e-4, 0.02 - 1e-4, 8e-3);
        int t = (int) Math.min(n - 1, Math.floor(where * n));
        // the posterior variance is below beta_t and positive except at t = 0, where it is 0
        double var = sch.posteriorVariance(t);
        assertTrue(var >= 0 && var <= sch.beta(t) * (1 + 1e-12), "posterior variance " + var);
        assertEquals(t == 0, var == 0.0, "zero posterior variance exactly at t=0");
        assertEquals(Math.log(Math.max(var, 1e-20)), sch.posteriorLogVarianceClipped(t));
        // coef1 + coef2 * sqrt(abar_t) = sqrt(abar_{t-1}): the posterior mean of x0 = x_t / sqrt(abar_t) keeps it
        double lhs = sch.posteriorMeanCoef1(t) + sch.posteriorMeanCoef2(t) * Math.sqrt(sch.alphaCumprod(t));
        assertEquals(Math.sqrt(sch.alphaCumprodPrev(t)), lhs, 1e-12);
    }

    @Test
    void linspaceFollowsTorchAtTheEdges() {
        assertArrayEquals(new double[] {0.5}, NoiseSchedule.linspace(0.5, 2, 1), 0.0);
        assertArrayEquals(new double[] {0.5, 2}, NoiseSchedule.linspace(0.5, 2, 2), 0.0);
        for (int n : new int[] {3, 7, 8, 9, 15, 16, 17, 1000, 1001}) {
            double[] v = NoiseSchedule.linspace(0.1, 0.9, n);
            assertEquals(0.1, v[0]);
            assertEquals(0.9, v[n - 1]);
            for (int i = 0; i < n; i++) {
                assertEquals(0.1 + 0.8 * i / (n - 1), v[i], 1e-15, "n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void badArgumentsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.linear(0, 1e-4, 0.02))
                .getMessage().startsWith("n:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.linear(10, 0, 0.02))
                .getMessage().contains("start and end"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.cosine(10, -1))
                .getMessage().startsWith("s:"));
        assertThrows(IndexOutOfBoundsException.class, () -> NoiseSchedule.linear(10, 1e-4, 0.02).beta(10));
        assertThrows(IllegalStateException.class,
                () -> NoiseSchedule.linear(1, 1e-4, 0.02).rescaledToZeroTerminalSnr());
    }
}
