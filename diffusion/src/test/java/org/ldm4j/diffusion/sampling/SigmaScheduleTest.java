package org.ldm4j.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.ldm4j.diffusion.NoiseSchedule;

/** k-diffusion's discrete sigmas: interpolation both ways, uniform and Karras spacing. */
class SigmaScheduleTest {
    static final NoiseSchedule SD = NoiseSchedule.linear(1000, 0.00085, 0.012);
    static final SigmaSchedule S = SigmaSchedule.of(SD);

    @Property(tries = 200)
    void timestepOfSigmaInvertsSigmaOfTimestep(@ForAll @DoubleRange(min = 0, max = 999) double t) {
        assertEquals(t, S.timestep(S.sigma(t)), 1e-7);
    }

    @Property(tries = 50)
    void sigmasDescendToZero(@ForAll @IntRange(min = 1, max = 200) int n) {
        for (double[] s : new double[][] {S.uniform(n), S.karras(n, 7)}) {
            assertEquals(n + 1, s.length);
            assertEquals(0, s[n], 0);
            assertEquals(S.sigmaMax(), s[0], 1e-12);
            for (int i = 1; i < n; i++) {
                assertTrue(s[i] < s[i - 1], "descending at " + i);
            }
            if (n > 1) {
                assertEquals(S.sigmaMin(), s[n - 1], 1e-12);
            }
        }
    }

    @Test
    void integerTimestepsGiveTheScheduleItself() {
        for (int t : new int[] {0, 1, 500, 999}) {
            double a = SD.alphaCumprod(t);
            assertEquals(Math.sqrt((1 - a) / a), S.sigma(t), 1e-12);
            assertEquals(a, S.alphaCumprod(t), 1e-12);
        }
        // outside the schedule's range, timesteps clamp to its ends (k-diffusion's sigma_to_t)
        assertEquals(0, S.timestep(S.sigmaMin() / 2), 0);
        assertEquals(999, S.timestep(S.sigmaMax() * 2), 0);
        assertThrows(IllegalArgumentException.class, () -> S.sigma(-0.5));
        assertThrows(IllegalArgumentException.class, () -> S.timestep(0));
        assertThrows(IllegalArgumentException.class, () -> SigmaSchedule.of(SD.rescaledToZeroTerminalSnr()));
    }
}
