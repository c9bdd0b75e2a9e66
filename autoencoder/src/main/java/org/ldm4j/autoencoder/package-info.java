/**
 * The first stage: perceptual compression by KL- and VQ-regularised autoencoders, with the CompVis
 * {@code latent-diffusion} structure and state-dict keys.
 *
 * <ul>
 *   <li>{@link org.ldm4j.autoencoder.AutoencoderConfig}: the reference's {@code ddconfig}, with presets
 *       kl-f4/f8/f16/f32, vq-f4/f8/f16 and Stable Diffusion 1.x's VAE.</li>
 *   <li>{@link org.ldm4j.autoencoder.Encoder} and {@link org.ldm4j.autoencoder.Decoder}, built from
 *       {@link org.ldm4j.autoencoder.ResnetBlock}, {@link org.ldm4j.autoencoder.AttnBlock},
 *       {@link org.ldm4j.autoencoder.Downsample} and {@link org.ldm4j.autoencoder.Upsample}.</li>
 *   <li>{@link org.ldm4j.autoencoder.AutoencoderKL} with its posterior
 *       {@link org.ldm4j.autoencoder.DiagonalGaussian}; {@link org.ldm4j.autoencoder.VQModel} with its
 *       {@link org.ldm4j.autoencoder.VectorQuantizer}. Both are a {@link org.ldm4j.autoencoder.FirstStage},
 *       what the diffusion model needs.</li>
 *   <li>{@link org.ldm4j.autoencoder.Tracer}: intermediate activations by reference name, for parity work.</li>
 * </ul>
 * The losses (LPIPS, patch-GAN, KL and VQ losses) are in {@code org.ldm4j.autoencoder.loss}.
 *
 * <pre>{@code
 * AutoencoderKL vae = new AutoencoderKL(AutoencoderConfig.klF8(), new Rng(0));
 * try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
 *     Tensor z = vae.encodeToLatent(x);        // [B, 4, H/8, W/8]
 *     Tensor rec = vae.decode(z);              // [B, 3, H, W]
 * }
 * }</pre>
 *
 * <p>Builds on {@code org.ldm4j.core}; never imports ND4J.
 */
package org.ldm4j.autoencoder;
