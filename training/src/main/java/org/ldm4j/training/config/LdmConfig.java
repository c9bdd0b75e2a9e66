package org.ldm4j.training.config;

import java.util.Optional;

/**
 * A whole config file in the format of the CompVis {@code latent-diffusion} reference: a latent diffusion model
 * ({@code model.target: ldm.models.diffusion.ddpm.LatentDiffusion}) or a first-stage autoencoder
 * ({@code ldm.models.autoencoder.AutoencoderKL} or {@code VQModel}), with its base learning rate and data.
 *
 * <pre>{@code
 * LdmConfig c = LdmYaml.read(Path.of("cin256-v2.yaml"), List.of("data.params.batch_size=8"));
 * if (c instanceof LatentDiffusionConfig ldm) {
 *     ldm.unet();
 * } else if (c instanceof AutoencoderTrainingConfig ae) {
 *     ae.autoencoder();
 * }
 * }</pre>
 */
public sealed interface LdmConfig permits LatentDiffusionConfig, AutoencoderTrainingConfig {

    /** {@code model.base_learning_rate}: the reference multiplies it by batch size, replicas and gradient
     * accumulation unless run with {@code --scale_lr False}. */
    double baseLearningRate();

    /** The {@code data} section, if the file has one (inference configs do not). */
    Optional<DataConfig> data();
}
