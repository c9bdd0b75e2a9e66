package org.ldm4j.training.models;

import org.ldm4j.autoencoder.FirstStage;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.LatentCodec;

/**
 * A first-stage autoencoder (KL or VQ) as the diffusion module's {@link LatentCodec}: {@code encode} gives the
 * latent the diffusion model works on (the posterior mode for KL, the pre-quantization latent for VQ) and
 * {@code decode} maps back to images. The latent scale factor is applied by the pipeline, not here.
 *
 * <pre>{@code
 * LatentCodec codec = new FirstStageCodec(autoencoderKl);
 * }</pre>
 */
public final class FirstStageCodec implements LatentCodec {
    private final FirstStage firstStage;

    public FirstStageCodec(FirstStage firstStage) {
        this.firstStage = firstStage;
    }

    @Override
    public Tensor encode(Tensor images) {
        return firstStage.encodeToLatent(images);
    }

    @Override
    public Tensor decode(Tensor latents) {
        return firstStage.decode(latents);
    }

    @Override
    public int latentChannels() {
        return firstStage.latentChannels();
    }

    @Override
    public int downsamplingFactor() {
        return firstStage.downsamplingFactor();
    }
}
