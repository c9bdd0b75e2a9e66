package org.ldm4j.diffusion;

import org.ldm4j.core.tensor.Tensor;

/**
 * The first stage as the diffusion process sees it: images [B, 3, H, W] in [-1, 1] to latents and back. The
 * autoencoders implement it through an adapter; the latent scale factor is applied by the caller
 * ({@link org.ldm4j.diffusion.sampling.LatentDiffusionPipeline}).
 *
 * <pre>{@code
 * LatentCodec codec = new LatentCodec() { ... };   // wraps AutoencoderKL.encodeToLatent / decode
 * }</pre>
 */
public interface LatentCodec {
    /** Latents of images [B, 3, H, W] in [-1, 1]. */
    Tensor encode(Tensor images);

    /** Images [B, 3, H, W] in about [-1, 1] from latents. */
    Tensor decode(Tensor latents);

    /** Latent channels. */
    int latentChannels();

    /** How many times smaller the latent is than the image, per side. */
    int downsamplingFactor();
}
