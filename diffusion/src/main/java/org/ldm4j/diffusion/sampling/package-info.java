/**
 * Samplers for the reverse diffusion process, classifier-free guidance, img2img and inpainting, and the
 * {@link org.ldm4j.diffusion.sampling.LatentDiffusionPipeline} that puts a denoiser, a sampler and a latent
 * codec together.
 *
 * <p>A {@link org.ldm4j.diffusion.sampling.Sampler} is immutable (a schedule, a prediction type and its own
 * parameters); {@link org.ldm4j.diffusion.sampling.Sampler#start(int)} returns a
 * {@link org.ldm4j.diffusion.sampling.SamplerRun} that holds one run's state: its timesteps, the history PLMS
 * and DPM-Solver++ need, and the current latent. The samplers:
 *
 * <ul>
 *   <li>{@link org.ldm4j.diffusion.sampling.DdpmSampler}: ancestral sampling from the posterior (Ho et al. 2020);</li>
 *   <li>{@link org.ldm4j.diffusion.sampling.DdimSampler}: DDIM with eta (Song et al. 2021), exactly as the
 *       CompVis {@code DDIMSampler} selects timesteps and parameters ({@link org.ldm4j.diffusion.sampling.DdimSchedule});</li>
 *   <li>{@link org.ldm4j.diffusion.sampling.PlmsSampler}: the CompVis {@code PLMSSampler} (Liu et al. 2022);</li>
 *   <li>{@link org.ldm4j.diffusion.sampling.EulerSampler}, {@link org.ldm4j.diffusion.sampling.EulerAncestralSampler},
 *       {@link org.ldm4j.diffusion.sampling.HeunSampler} and {@link org.ldm4j.diffusion.sampling.DpmPlusPlus2MSampler}:
 *       k-diffusion's samplers over sigmas (Karras et al. 2022; Lu et al. 2022), see
 *       {@link org.ldm4j.diffusion.sampling.SigmaSchedule}.</li>
 * </ul>
 *
 * <p>Every run keeps its latent in the variance-preserving form the denoiser takes,
 * {@code x_t = sqrt(abar) x_0 + sqrt(1 - abar) eps}; the sigma-space samplers convert to and from
 * {@code x_0 + sigma eps} inside a step, so one loop drives every sampler:
 *
 * <pre>{@code
 * Sampler sampler = new DdimSampler(NoiseSchedule.linear(1000, 0.00085, 0.012), Prediction.EPSILON);
 * SamplerRun run = sampler.start(50);
 * Tensor x = run.begin(rng.normal(1, 4, 32, 32));       // the run's latent lives in the current scope
 * while (!run.isDone()) {
 *     try (MemoryScope step = MemoryScope.open()) {
 *         Tensor out = denoiser.apply(x, run.timesteps(1), cond);
 *         x = run.step(out, run.position(), x, rng);     // the run's own buffer: nothing to keep
 *     }
 * }
 * }</pre>
 *
 * <p>Builds on {@code org.ldm4j.core}; never imports ND4J.
 */
package org.ldm4j.diffusion.sampling;
