/**
 * The first stage's training losses, as the reference computes them: {@link org.ldm4j.autoencoder.loss.Lpips}
 * (VGG16 LPIPS, weights from a user-supplied safetensors file), the patch-GAN
 * {@link org.ldm4j.autoencoder.loss.PatchGanDiscriminator} (with BatchNorm or
 * {@link org.ldm4j.autoencoder.loss.ActNorm}), the discriminator losses of {@link org.ldm4j.autoencoder.loss.GanLoss},
 * the {@link org.ldm4j.autoencoder.loss.AdaptiveWeight}, and the two complete losses:
 * {@link org.ldm4j.autoencoder.loss.AutoencoderLoss} (KL, latent-diffusion's {@code LPIPSWithDiscriminator}) and
 * {@link org.ldm4j.autoencoder.loss.VqAutoencoderLoss} (VQ, taming's {@code VQLPIPSWithDiscriminator}), each with a
 * config record and typed logs. The classes take tensors (the posterior's per-sample KL, the decoder's last-layer
 * weight) and do not depend on the autoencoder models. How to produce the LPIPS weights file:
 * {@code doc-files/lpips-weights.md}.
 *
 * <pre>{@code
 * AutoencoderLoss loss = new AutoencoderLoss(AutoencoderLossConfig.ldm(), Lpips.load(lpipsFile), new Rng(0));
 * GeneratorOutput<KlLossLog> g = loss.generatorLoss(x, xRec, klPerSample, step, convOutWeight);
 * g.loss().backward();
 * DiscriminatorOutput d = loss.discriminatorLoss(x, xRec, step);
 * d.loss().backward();
 * }</pre>
 */
package org.ldm4j.autoencoder.loss;
