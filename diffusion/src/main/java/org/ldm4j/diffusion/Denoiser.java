package org.ldm4j.diffusion;

import org.ldm4j.core.tensor.Tensor;

/**
 * The network the diffusion process talks to: {@code (x_t, t, conditioning) -> model output} (epsilon, x_0 or v,
 * see {@link Prediction}). The U-Net implements it through an adapter; tests use analytic denoisers.
 *
 * <pre>{@code
 * Denoiser d = (xt, t, cond) -> unet.apply(xt, t, cond.context(), cond.labels());
 * }</pre>
 */
@FunctionalInterface
public interface Denoiser {
    /**
     * @param xt   noisy latents [B, C, H, W]
     * @param t    float32 timesteps [B] in [0, T): whole numbers for the DDPM/DDIM/PLMS samplers, fractional for
     *             the sigma-space ones (Euler, Heun, DPM-Solver++), as k-diffusion evaluates them
     * @param cond the batch's conditioning (may be {@link Conditioning#NONE})
     * @return the model output, xt's shape
     */
    Tensor apply(Tensor xt, Tensor t, Conditioning cond);
}
