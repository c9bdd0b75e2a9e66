package org.ldm4j.autoencoder;

import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * What the latent diffusion model needs from a first stage: images to latents and back. Both autoencoders
 * implement it ({@link AutoencoderKL}, {@link VQModel}); the diffusion module's {@code LatentCodec} adapts it.
 * The latent has {@code embedDim} channels and is {@code downsamplingFactor} times smaller per side; the
 * caller applies the LDM's {@code scale_factor} (this interface does not).
 *
 * <pre>{@code
 * FirstStage stage = new AutoencoderKL(AutoencoderConfig.sdVaeF8(), rng);
 * try (GradMode.Scope g = GradMode.disabled()) {
 *     Tensor z0 = stage.encodeToLatent(x, rng).mul(0.18215);     // [B, 4, H/8, W/8]
 *     Tensor img = stage.decode(z0.div(0.18215));                // [B, 3, H, W]
 * }
 * }</pre>
 */
public interface FirstStage {
    /**
     * x [B, inChannels, H, W] in [-1, 1] -> the deterministic latent [B, embedDim, H/f, W/f]: the posterior mean
     * of a KL model, the pre-quantisation latent {@code h} of a VQ model.
     */
    Tensor encodeToLatent(Tensor x);

    /**
     * As the reference's {@code get_first_stage_encoding(encode_first_stage(x))}: a posterior sample drawn with
     * {@code rng} for a KL model, the pre-quantisation latent for a VQ model (which ignores {@code rng}).
     */
    Tensor encodeToLatent(Tensor x, Rng rng);

    /**
     * As {@link #encodeToLatent(Tensor, Rng)} with example {@code i}'s posterior noise drawn from
     * {@code perExample[i]} alone (data-parallel training splits a batch without changing any example's latent).
     * A deterministic first stage ignores the generators.
     */
    Tensor encodeToLatent(Tensor x, Rng[] perExample);

    /** A latent [B, embedDim, h, w] -> an image [B, outCh, f*h, f*w] (a VQ model quantises first). */
    Tensor decode(Tensor z);

    /** The configuration this model was built from. */
    AutoencoderConfig config();

    /** Latent channels ({@code embedDim}). */
    default int latentChannels() {
        return config().embedDim();
    }

    /** Image side / latent side. */
    default int downsamplingFactor() {
        return config().downsamplingFactor();
    }
}
