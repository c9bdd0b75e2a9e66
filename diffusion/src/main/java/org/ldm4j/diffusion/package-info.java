/**
 * Noise schedules, the forward process, losses, samplers and classifier-free guidance. Arrives with the diffusion issue.
 *
 * <p>Builds on {@code org.ldm4j.core}; never imports ND4J.
 *
 * <h2>Schedules and the process</h2>
 * <ul>
 *   <li>{@link org.ldm4j.diffusion.NoiseSchedule}: betas and everything derived from them, in double precision as
 *       the reference computes them (the linear schedules bit-identical to its float64 values), optionally rescaled
 *       to zero terminal SNR.</li>
 *   <li>{@link org.ldm4j.diffusion.DiffusionProcess}: q(x_t | x_0), the conversions between the
 *       {@link org.ldm4j.diffusion.Prediction}s (eps, x_0, v) and the posterior q(x_{t-1} | x_t, x_0) on tensors
 *       [B, ...] with per-sample timesteps [B]; composed of core ops, so differentiable.</li>
 *   <li>{@link org.ldm4j.diffusion.DiffusionLoss} with {@link org.ldm4j.diffusion.DiffusionLossConfig}: the
 *       training objective (the reference's {@code p_losses}: L1/L2 simple loss, learned log-variance, VLB term),
 *       plus min-SNR-gamma weighting and offset noise.</li>
 * </ul>
 *
 * <pre>{@code
 * NoiseSchedule schedule = NoiseSchedule.linear(1000, 0.0015, 0.0195);
 * DiffusionProcess process = new DiffusionProcess(schedule, Prediction.EPSILON);
 * DiffusionLoss objective = new DiffusionLoss(process, DiffusionLossConfig.reference());
 * Tensor loss = objective.compute(denoiser, latents, Conditioning.ofContext(ctx), rng).loss();
 * }</pre>
 */
package org.ldm4j.diffusion;
