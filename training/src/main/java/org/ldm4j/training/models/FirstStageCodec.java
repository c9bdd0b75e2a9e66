package org.ldm4j.training.models;

import org.ldm4j.autoencoder.FirstStage;
import org.ldm4j.autoencoder.TiledDecoding;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.LatentCodec;

/**
 * A first-stage autoencoder (KL or VQ) as the diffusion module's {@link LatentCodec}: {@code encode} gives the
 * latent the diffusion model works on (the posterior mode for KL, the pre-quantization latent for VQ) and
 * {@code decode} maps back to images. The latent scale factor is applied by the pipeline, not here. A first stage
 * in another precision (float16) gets its inputs converted to its dtype and gives its outputs back in theirs. Large
 * latents can be decoded in overlapping tiles ({@link TiledDecoding}).
 *
 * <pre>{@code
 * LatentCodec codec = new FirstStageCodec(autoencoderKl);
 * LatentCodec tiled = new FirstStageCodec(autoencoderKl, DType.FLOAT32, 64, 8);     // 512-pixel tiles of SD's VAE
 * }</pre>
 */
public final class FirstStageCodec implements LatentCodec {
    private final FirstStage firstStage;
    private final DType dtype;
    private final int tile;
    private final int overlap;

    /** A float32 first stage, decoding whole latents. */
    public FirstStageCodec(FirstStage firstStage) {
        this(firstStage, DType.FLOAT32, 0, 0);
    }

    /**
     * A first stage whose parameters are {@code dtype}, decoding in tiles of {@code tile} latents a side that
     * overlap by {@code overlap} (tile 0: whole).
     */
    public FirstStageCodec(FirstStage firstStage, DType dtype, int tile, int overlap) {
        if (tile < 0 || tile > 0 && (overlap < 0 || overlap >= tile)) {
            throw new IllegalArgumentException("tile, overlap: expected tile 0 (whole) or tile >= 1 with 0 <= overlap "
                    + "< tile, got " + tile + " and " + overlap);
        }
        this.firstStage = firstStage;
        this.dtype = dtype;
        this.tile = tile;
        this.overlap = overlap;
    }

    @Override
    public Tensor encode(Tensor images) {
        return UNetDenoiser.as(firstStage.encodeToLatent(UNetDenoiser.as(images, dtype)), images.dtype());
    }

    @Override
    public Tensor decode(Tensor latents) {
        Tensor z = UNetDenoiser.as(latents, dtype);
        Tensor images = tile > 0 ? TiledDecoding.decode(firstStage, z, tile, overlap) : firstStage.decode(z);
        return UNetDenoiser.as(images, latents.dtype());
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
