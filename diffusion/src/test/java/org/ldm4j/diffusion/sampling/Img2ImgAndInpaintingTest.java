package org.ldm4j.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** img2img (strength) and inpainting (mask + known latent) for every sampler. */
@SuppressWarnings("try")   // scopes free what the test allocates
class Img2ImgAndInpaintingTest {
    static final NoiseSchedule SD = NoiseSchedule.linear(1000, 0.00085, 0.012);
    static final AnalyticGaussian D = new AnalyticGaussian(-0.2, 0.8, Prediction.EPSILON, SD);
    static final long[] SHAPE = {2, 2, 4, 4};

    @Property(tries = 20)
    void strengthOneEqualsAPlainRunWithTheSameNoise(@ForAll SamplerKind kind,
                                                    @ForAll @IntRange(min = 1, max = 8) int steps, @ForAll long seed) {
        try (MemoryScope scope = MemoryScope.open()) {
            Sampler s = kind.make(SD, Prediction.EPSILON);
            float[] plain = s.sample(D, Conditioning.NONE, SHAPE, steps, new Rng(seed), null).toFloatArray();
            Rng rng = new Rng(seed);
            Tensor image = new Rng(seed + 9).normal(SHAPE);
            SamplerRun run = s.start(steps, SamplerOptions.strength(1.0));
            Tensor x = run.begin(rng.normal(SHAPE), image);
            assertArrayEquals(plain, run.sample(D, Conditioning.NONE, x, rng, null).toFloatArray(), 0f, kind.toString());
        }
    }

    @Property(tries = 20)
    void partialStrengthStartsFromTheNoisedLatentAtItsFirstStep(@ForAll SamplerKind kind,
                                                                @ForAll @DoubleRange(min = 0.05, max = 0.95) double strength,
                                                                @ForAll long seed) {
        int steps = 20;
        Sampler s = kind.make(SD, Prediction.EPSILON);
        SamplerRun full = s.start(steps);
        SamplerRun part = s.start(steps, SamplerOptions.strength(strength));
        int k = (int) Math.ceil(strength * full.steps() - 1e-9);
        assertEquals(k, part.steps(), kind + ": ceil(strength * steps)");
        // it runs the full run's last k steps: the same model timesteps from there on
        int skip = full.evaluations() - part.evaluations();
        if (kind != SamplerKind.PLMS) {          // PLMS warms up again at its first step
            for (int i = 0; i < part.evaluations(); i++) {
                assertEquals(full.timestep(skip + i), part.timestep(i), 1e-9, kind + " evaluation " + i);
            }
        }
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor latent = new Rng(seed).normal(SHAPE);
            Tensor noise = new Rng(seed + 1).normal(SHAPE);
            double a = new AnalyticGaussian(0, 1, Prediction.EPSILON, SD).alphaCumprod(part.timestep());
            Tensor expected = latent.mul(Math.sqrt(a)).add(noise.mul(Math.sqrt(1 - a)));
            Tensor x = part.begin(noise, latent);
            assertTrue(x.maxAbsDiff(expected) < 1e-5, kind + ": q_sample(latent, t_start)");
            Tensor out = part.sample(D, Conditioning.NONE, x, new Rng(seed + 2), null);
            assertArrayEquals(SHAPE, out.shape());
        }
    }

    @Property(tries = 20)
    void inpaintingKeepsTheKnownRegion(@ForAll SamplerKind kind, @ForAll @IntRange(min = 2, max = 12) int steps,
                                       @ForAll long seed) {
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor known = new Rng(seed).normal(SHAPE).mul(2);       // far from the denoiser's data: must be kept
            float[] m = new float[16];
            for (int i = 0; i < 16; i++) {
                m[i] = i % 4 < 2 ? 1 : 0;                          // keep the left half
            }
            Tensor mask = Tensor.of(m, 1, 1, 4, 4);
            Sampler s = kind.make(SD, Prediction.EPSILON);
            SamplerRun run = s.start(steps, SamplerOptions.inpaint(mask, known));
            Rng rng = new Rng(seed + 1);
            Tensor x = run.sample(D, Conditioning.NONE, run.begin(rng.normal(SHAPE)), rng, null);
            // the known region ends re-noised to the run's last level: abar[0] for DDIM and PLMS (noise of
            // std sqrt(1 - abar0) = 0.029), abar = 1 for the others (exactly the known latent)
            boolean endsAtAbar0 = kind == SamplerKind.DDIM || kind == SamplerKind.DDIM_ETA1
                    || kind == SamplerKind.DDIM_QUAD || kind == SamplerKind.PLMS;
            double a0 = SD.alphaCumprod(0);
            double tol = endsAtAbar0 ? 6 * Math.sqrt(1 - a0) + 2 * (1 - Math.sqrt(a0)) : 1e-6;
            float[] xs = x.toFloatArray();
            float[] ks = known.toFloatArray();
            double keptErr = 0;
            double freeDiff = 0;
            for (int i = 0; i < xs.length; i++) {
                if (m[i % 16] == 1) {
                    keptErr = Math.max(keptErr, Math.abs(xs[i] - ks[i]));
                } else {
                    freeDiff = Math.max(freeDiff, Math.abs(xs[i] - ks[i]));
                }
            }
            assertEquals(0, keptErr, tol, kind + ": known region");
            assertTrue(freeDiff > 0.1, kind + ": the free region is generated, not copied (max diff " + freeDiff + ")");
        }
    }
}
