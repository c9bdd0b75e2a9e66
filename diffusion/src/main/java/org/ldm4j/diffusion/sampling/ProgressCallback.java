package org.ldm4j.diffusion.sampling;

import org.ldm4j.core.tensor.Tensor;

/**
 * Called after each completed sampling step, for a progress bar or a preview.
 *
 * <pre>{@code
 * ProgressCallback bar = (step, total, x0) -> System.out.printf("\rstep %d/%d", step + 1, total);
 * Tensor z = sampler.sample(denoiser, cond, new long[] {1, 4, 32, 32}, 50, new Rng(7), bar);
 * }</pre>
 */
@FunctionalInterface
public interface ProgressCallback {
    /**
     * @param step      the step just completed, from 0
     * @param total     the number of steps this run performs
     * @param denoised  the current estimate of x_0 (the run's latent shape); it is freed when the step's
     *                  {@code MemoryScope} closes, right after this call: read what you need inside it
     */
    void onStep(int step, int total, Tensor denoised);
}
