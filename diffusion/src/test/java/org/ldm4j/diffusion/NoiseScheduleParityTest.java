package org.ldm4j.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.testing.Fixtures;

/**
 * Parity of the schedules with {@code schedules.safetensors} (the reference's {@code make_beta_schedule} and
 * {@code register_schedule}, float64 numpy/torch, then float32).
 *
 * <p>The linear schedules are bit-identical in float64: NoiseSchedule reproduces torch's CPU {@code linspace}
 * rounding. The cosine schedule takes its cosines from Java's {@code Math.cos} rather than torch's SLEEF kernel,
 * which differ in the last bit; {@code 1 - ratio} then turns that into an absolute error of a few ulp(1) in the
 * betas (a relative error of ~1e-11 at the smallest beta, 4e-5), and the cumulative product stays within a few
 * ulps. All float32 tensors are equal to the float32 rounding of our doubles.
 */
class NoiseScheduleParityTest {
    private static final StateDict FIXTURE = Fixtures.parity("schedules.safetensors");

    static Stream<Arguments> schedules() {
        return Stream.of(
                Arguments.of("sd_linear", NoiseSchedule.linear(1000, 0.00085, 0.012), true),
                Arguments.of("ddpm_linear", NoiseSchedule.linear(1000, 1e-4, 2e-2), true),
                Arguments.of("cosine", NoiseSchedule.cosine(1000, 8e-3), false));
    }

    private static double[] f64(String name) {
        return FIXTURE.get(name).toDoubleArray();
    }

    private static float[] f32(String name) {
        return FIXTURE.get(name).toFloatArray();
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schedules")
    void float64BetasAndAlphasCumprodMatchTheReference(String prefix, NoiseSchedule s, boolean sameFormula) {
        double[] betas = s.betas();
        double[] abar = s.alphasCumprod();
        double[] refBetas = f64(prefix + ".betas_f64");
        double[] refAbar = f64(prefix + ".alphas_cumprod_f64");
        assertEquals(1000, betas.length);
        if (sameFormula) {
            assertArrayEquals(refBetas, betas, 0.0, prefix + " betas must be bit-identical");
            assertArrayEquals(refAbar, abar, 0.0, prefix + " alphas_cumprod must be bit-identical");
        } else {
            double maxBeta = 0;
            double maxAbarRel = 0;
            for (int t = 0; t < 1000; t++) {
                maxBeta = Math.max(maxBeta, Math.abs(betas[t] - refBetas[t]));
                maxAbarRel = Math.max(maxAbarRel, Math.abs(abar[t] - refAbar[t]) / refAbar[t]);
            }
            System.out.printf("%s: betas max abs diff %.3g, alphas_cumprod max rel diff %.3g%n", prefix, maxBeta,
                    maxAbarRel);
            assertTrue(maxBeta <= 4 * Math.ulp(1.0), prefix + " betas: max abs diff " + maxBeta);
            assertTrue(maxAbarRel <= 1e-14, prefix + " alphas_cumprod: max rel diff " + maxAbarRel);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schedules")
    void float32TensorsAreTheRoundingOfOurDoubles(String prefix, NoiseSchedule s, boolean sameFormula) {
        assertArrayEquals(f32(prefix + ".betas"), toFloat(s.betas()), 0f, prefix + ".betas");
        assertArrayEquals(f32(prefix + ".alphas_cumprod"), toFloat(s.alphasCumprod()), 0f, prefix + ".alphas_cumprod");
        assertArrayEquals(f32(prefix + ".alphas_cumprod_prev"), toFloat(s.alphasCumprodPrev()), 0f,
                prefix + ".alphas_cumprod_prev");
        assertEquals(1.0, s.alphaCumprodPrev(0));
        for (int t = 1; t < 1000; t++) {
            assertEquals(s.alphaCumprod(t - 1), s.alphaCumprodPrev(t));
        }
    }

    @Test
    void diffusersScaledLinearIsTheSameSchedule() {
        assertEquals(NoiseSchedule.linear(1000, 0.00085, 0.012), NoiseSchedule.scaledLinear(1000, 0.00085, 0.012));
        assertArrayEquals(f64("sd_linear.betas_f64"), NoiseSchedule.scaledLinear(1000, 0.00085, 0.012).betas(), 0.0);
    }
}
