/**
 * Adapters that join the sibling modules: the U-Net as a {@link org.ldm4j.diffusion.Denoiser}, a first-stage
 * autoencoder as a {@link org.ldm4j.diffusion.LatentCodec}.
 *
 * <pre>{@code
 * LatentDiffusionPipeline p = LatentDiffusionPipeline.builder(new UNetDenoiser(unet), Prediction.EPSILON,
 *         new FirstStageCodec(vae), NoiseSchedule.linear(1000, 0.00085, 0.012)).build();
 * }</pre>
 */
package org.ldm4j.training.models;
