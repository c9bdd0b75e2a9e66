package org.ldm4j.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.testing.Fixtures;
import org.ldm4j.diffusion.NoiseSchedule;

/**
 * The DDIM-50 parameters against the reference's {@code make_ddim_timesteps} and
 * {@code make_ddim_sampling_parameters} (schedules.safetensors, CompVis latent-diffusion a506df5). Asked for
 * float32 precision, they match bit for bit: timesteps, alphas, alphas_prev, sigmas and sqrt(1 - alphas) with 0
 * ulp of tolerance, and sigmas_f64 exactly (which needs the reference's float32 {@code 1 / (1 - a)}).
 */
class DdimScheduleParityTest {
    private static StateDict fx;
    private static final NoiseSchedule SD = NoiseSchedule.linear(1000, 0.00085, 0.012);

    @BeforeAll
    static void load() {
        fx = Fixtures.parity("schedules.safetensors");
    }

    private static void assertUlps(float[] expected, float[] actual, int ulps, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            float tol = ulps * Math.ulp(expected[i]);
            assertEquals(expected[i], actual[i], tol, what + "[" + i + "]");
        }
    }

    @Test
    void timestepsAreTheReferenceUniformOnesShiftedByOne() {
        float[] expected = fx.get("ddim50.timesteps").toFloatArray();
        int[] ts = DdimSchedule.timesteps(TimestepSpacing.UNIFORM, 50, 1000);
        assertEquals(50, ts.length);
        for (int i = 0; i < 50; i++) {
            assertEquals(expected[i], ts[i], 0, "timesteps[" + i + "]");
        }
        assertEquals(1, ts[0]);
        assertEquals(981, ts[49]);
    }

    @Test
    void eta0AndEta1ParametersMatch() {
        for (int eta = 0; eta <= 1; eta++) {
            String p = "ddim50.eta" + eta + ".";
            DdimSchedule d = DdimSchedule.of(SD, 50, TimestepSpacing.UNIFORM, eta);
            assertUlps(fx.get(p + "alphas").toFloatArray(), d.alphas(), 0, p + "alphas");
            assertUlps(fx.get(p + "alphas_prev").toFloatArray(), d.alphasPrev(), 0, p + "alphas_prev");
            assertUlps(fx.get(p + "sigmas").toFloatArray(), d.sigmas(), 0, p + "sigmas");
            assertUlps(fx.get(p + "sqrt_one_minus_alphas").toFloatArray(), d.sqrtOneMinusAlphas(), 0,
                    p + "sqrt_one_minus_alphas");
            double[] s64 = fx.get(p + "sigmas_f64").toDoubleArray();
            double[] mine = d.sigmasF64();
            for (int i = 0; i < 50; i++) {
                assertEquals(s64[i], mine[i], 0, p + "sigmas_f64[" + i + "]");
            }
        }
    }

    @Test
    void theLastStepsPreviousAlphaIsAlphasCumprod0() {
        DdimSchedule d = DdimSchedule.of(SD, 50, TimestepSpacing.UNIFORM, 0);
        assertEquals((float) SD.alphaCumprod(0), d.alphasPrev()[0], 0);
        float[] fxAc = fx.get("sd_linear.alphas_cumprod").toFloatArray();
        assertEquals(fxAc[0], d.alphasPrev()[0], 0);
    }

    @Test
    void quadSpacingAndUnevenUniformSpacingFollowTheReference() {
        // ((linspace(0, sqrt(800), 10))^2).astype(int) + 1 = [0, 9, 39, 88, 158, 246, 355, 483, 632, 800] + 1
        assertArrayEquals(new int[] {1, 10, 40, 89, 159, 247, 356, 484, 633, 801},
                DdimSchedule.timesteps(TimestepSpacing.QUAD, 10, 1000));
        // 30 of 1000: c = 33, range(0, 1000, 33) has 31 values
        int[] u30 = DdimSchedule.timesteps(TimestepSpacing.UNIFORM, 30, 1000);
        assertEquals(31, u30.length);
        assertEquals(991, u30[30]);
        // where T // steps divides T - 1 the reference's last timestep would be T (an index error there): dropped
        assertArrayEquals(new int[] {1, 334, 667}, DdimSchedule.timesteps(TimestepSpacing.UNIFORM, 3, 1000));
        assertEquals(27, DdimSchedule.timesteps(TimestepSpacing.UNIFORM, 27, 1000).length);
        assertEquals(999, DdimSchedule.timesteps(TimestepSpacing.UNIFORM, 1000, 1000)[998]);
        assertThrows(IllegalArgumentException.class, () -> DdimSchedule.timesteps(TimestepSpacing.UNIFORM, 1001, 1000));
        assertThrows(IllegalArgumentException.class, () -> DdimSchedule.timesteps(TimestepSpacing.UNIFORM, 0, 1000));
        assertThrows(IllegalArgumentException.class, () -> DdimSchedule.of(SD, 50, TimestepSpacing.UNIFORM, -1));
    }
}
