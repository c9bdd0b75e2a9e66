package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.Conditioning;
import org.ldm4j.diffusion.Denoiser;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * A reverse-process sampler: immutable (a schedule, what the model predicts, and the sampler's own parameters);
 * each call of {@link #start} returns a fresh {@link SamplerRun} with one run's state.
 *
 * <pre>{@code
 * Sampler ddim = new DdimSampler(NoiseSchedule.linear(1000, 0.00085, 0.012), Prediction.EPSILON);
 * Tensor z = ddim.sample(denoiser, cond, new long[] {2, 4, 32, 32}, 50, new Rng(42), null);
 * }</pre>
 */
public interface Sampler {
    /** Makes a sampler for a schedule and prediction type, e.g. {@code (s, p) -> new DdimSampler(s, p, 0.0)}. */
    @FunctionalInterface
    interface Factory {
        Sampler create(NoiseSchedule schedule, Prediction prediction);
    }

    /** The training schedule the model was trained with. */
    NoiseSchedule schedule();

    /** What the denoiser predicts. */
    Prediction prediction();

    /** A full run of {@code steps} steps from noise. */
    default SamplerRun start(int steps) {
        return start(steps, SamplerOptions.DEFAULT);
    }

    /** A run of {@code steps} steps (fewer with an img2img strength), with inpainting if the options ask. */
    SamplerRun start(int steps, SamplerOptions options);

    /**
     * Samples latents of {@code shape} from standard normal noise drawn from {@code rng} (which also draws the
     * per-step noise of stochastic samplers): the whole loop of {@link SamplerRun#sample}.
     *
     * @param callback called after each step, or null
     */
    default Tensor sample(Denoiser denoiser, Conditioning cond, long[] shape, int steps, Rng rng,
                          ProgressCallback callback) {
        if (rng == null) {
            throw new IllegalArgumentException("rng: expected an Rng for the initial noise, got null");
        }
        if (shape == null || shape.length < 2) {
            throw new IllegalArgumentException("shape: expected a latent shape [B, C, ...], got "
                    + (shape == null ? "null" : java.util.Arrays.toString(shape)));
        }
        SamplerRun run = start(steps);
        Tensor x = run.begin(rng.normal(shape));
        return run.sample(denoiser, cond, x, rng, callback);
    }
}
