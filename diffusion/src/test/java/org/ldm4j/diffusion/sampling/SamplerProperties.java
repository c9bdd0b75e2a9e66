package org.ldm4j.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/** Properties every sampler must have, on small shapes and few steps. */
@SuppressWarnings("try")   // scopes free what the test allocates
class SamplerProperties {
    static final NoiseSchedule SD = NoiseSchedule.linear(1000, 0.00085, 0.012);

    private static float[] sample(SamplerKind kind, Prediction p, long[] shape, int steps, long seed) {
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor x = kind.make(SD, p).sample(new AnalyticGaussian(0.2, 0.7, p, SD), Conditioning.NONE, shape, steps,
                    new Rng(seed), null);
            assertArrayEquals(shape, x.shape(), kind + ": shape");
            return x.toFloatArray();
        }
    }

    @Property(tries = 40)
    void everySamplerKeepsShapesAndTheSameSeedGivesTheSameResult(
            @ForAll SamplerKind kind, @ForAll Prediction p, @ForAll @IntRange(min = 1, max = 2) int b,
            @ForAll @IntRange(min = 1, max = 3) int c, @ForAll @IntRange(min = 1, max = 4) int hw,
            @ForAll @IntRange(min = 1, max = 6) int steps, @ForAll long seed) {
        long[] shape = {b, c, hw, hw + 1};
        float[] first = sample(kind, p, shape, steps, seed);
        float[] second = sample(kind, p, shape, steps, seed);
        assertArrayEquals(first, second, 0f, kind + ": same seed, same result");
        for (float v : first) {
            assertTrue(Float.isFinite(v), kind + ": non-finite output " + v);
        }
    }

    @Property(tries = 20)
    void stochasticSamplersDependOnTheirStepNoise(@ForAll SamplerKind kind, @ForAll long seed) {
        // the same initial noise, different step noise: only the stochastic samplers change
        long[] shape = {1, 2, 3, 3};
        float[][] out = new float[2][];
        for (int k = 0; k < 2; k++) {
            try (MemoryScope scope = MemoryScope.open()) {
                SamplerRun run = kind.make(SD, Prediction.EPSILON).start(5);
                Tensor x = run.begin(new Rng(seed).normal(shape));
                out[k] = run.sample(new AnalyticGaussian(0, 1, Prediction.EPSILON, SD), Conditioning.NONE, x,
                        new Rng(seed + 1 + k), null).toFloatArray();
            }
        }
        boolean same = java.util.Arrays.equals(out[0], out[1]);
        assertEquals(!kind.stochastic(), same, kind + ": depends on the step noise");
    }

    @Property(tries = 20)
    void ddimWithEta0IsDeterministicAndNeedsNoRng(@ForAll long seed, @ForAll @IntRange(min = 1, max = 20) int steps) {
        long[] shape = {2, 2, 2, 2};
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor noise = new Rng(seed).normal(shape);
            AnalyticGaussian d = new AnalyticGaussian(0.5, 0.3, Prediction.EPSILON, SD);
            Sampler ddim = new DdimSampler(SD, Prediction.EPSILON, 0.0);
            SamplerRun a = ddim.start(steps);
            float[] withRng = a.sample(d, Conditioning.NONE, a.begin(noise), new Rng(seed ^ 77), null).toFloatArray();
            SamplerRun b = ddim.start(steps);
            float[] noRng = b.sample(d, Conditioning.NONE, b.begin(noise), null, null).toFloatArray();
            assertArrayEquals(withRng, noRng, 0f);
        }
    }

    @Property(tries = 25)
    void ddimLandsOnAPointMass(@ForAll @DoubleRange(min = -2, max = 2) double c,
                               @ForAll @IntRange(min = 1, max = 50) int steps, @ForAll long seed) {
        // perfect denoiser of data = c: eps*(x_t) = (x_t - sqrt(abar) c) / sqrt(1 - abar). Every step's x_0
        // estimate is c, and with eta 0 the noise direction n' of the first step is kept, so the run ends at
        // sqrt(abar_0) c + sqrt(1 - abar_0) n' with n' = (z - sqrt(abar_T) c) / sqrt(1 - abar_T), abar_0 the
        // reference's last "previous" alpha (alphas_cumprod[0]) and abar_T that of the first DDIM timestep.
        long[] shape = {1, 2, 4, 4};
        DdimSampler ddim = new DdimSampler(SD, Prediction.EPSILON);
        DdimSchedule params = ddim.parameters(steps);
        List<Double> worst = new ArrayList<>();
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor z = new Rng(seed).normal(shape);
            float[] zs = z.toFloatArray();
            SamplerRun run = ddim.start(steps);
            Tensor x = run.sample(new AnalyticGaussian(c, 0, Prediction.EPSILON, SD), Conditioning.NONE, run.begin(z),
                    null, (step, total, x0) -> {
                        double m = 0;
                        for (float v : x0.toFloatArray()) {
                            m = Math.max(m, Math.abs(v - c));
                        }
                        worst.add(m);
                    });
            assertEquals(run.steps(), worst.size());
            for (int i = 0; i < worst.size(); i++) {
                assertEquals(0, worst.get(i), 2e-4, "x0 estimate at step " + i);
            }
            double aT = params.alphas()[params.length() - 1];
            double a0 = params.alphasPrev()[0];
            float[] xs = x.toFloatArray();
            for (int i = 0; i < xs.length; i++) {
                double n = (zs[i] - Math.sqrt(aT) * c) / Math.sqrt(1 - aT);
                double expected = Math.sqrt(a0) * c + Math.sqrt(1 - a0) * n;
                assertEquals(expected, xs[i], 1e-4, "element " + i);
                assertEquals(c, xs[i], Math.sqrt(1 - a0) * Math.abs(n) + (1 - Math.sqrt(a0)) * Math.abs(c) + 1e-4);
            }
        }
    }

    @Property(tries = 30)
    void samplersEndingAtSigmaZeroLandExactlyOnAPointMass(@ForAll SamplerKind kind,
                                                          @ForAll @DoubleRange(min = -2, max = 2) double c,
                                                          @ForAll @IntRange(min = 1, max = 12) int steps,
                                                          @ForAll long seed) {
        // DDPM and the sigma-space samplers end at abar = 1, where the last step returns the x_0 estimate (c);
        // DDIM and PLMS end at abar[0] (checked above)
        if (kind == SamplerKind.DDIM || kind == SamplerKind.DDIM_ETA1 || kind == SamplerKind.DDIM_QUAD
                || kind == SamplerKind.PLMS) {
            return;
        }
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor x = kind.make(SD, Prediction.EPSILON).sample(new AnalyticGaussian(c, 0, Prediction.EPSILON, SD),
                    Conditioning.NONE, new long[] {1, 1, 3, 3}, steps, new Rng(seed), null);
            for (float v : x.toFloatArray()) {
                assertEquals(c, v, 2e-4, kind.toString());
            }
        }
    }

    @Property(tries = 20)
    void eachStepRunsInItsOwnScope(@ForAll SamplerKind kind, @ForAll @IntRange(min = 3, max = 30) int steps) {
        // the enclosing scope holds the noise, the run's latent and its history, however many steps run
        try (MemoryScope outer = MemoryScope.open()) {
            kind.make(SD, Prediction.EPSILON).sample(new AnalyticGaussian(0, 0.5, Prediction.EPSILON, SD),
                    Conditioning.NONE, new long[] {1, 2, 4, 4}, steps, new Rng(1), null);
            assertTrue(outer.trackedCount() <= 8, kind + ": " + outer.trackedCount() + " arrays left after " + steps
                    + " steps");
        }
    }
}
