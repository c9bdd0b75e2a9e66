package org.ldm4j.autoencoder;

import java.util.List;

/**
 * The shape of a first-stage autoencoder: the reference's {@code ddconfig} plus {@code embed_dim} and, for a
 * VQ model, {@code n_embed}. Validated on construction; the presets carry the exact values of the CompVis
 * {@code models/first_stage_models/*}{@code /config.yaml} files and of Stable Diffusion 1.x's VAE.
 *
 * <pre>{@code
 * AutoencoderConfig c = AutoencoderConfig.klF8();
 * c.downsamplingFactor();                  // 8: a 256x256 image becomes a 4x32x32 latent
 * AutoencoderKL vae = new AutoencoderKL(AutoencoderConfig.sdVaeF8(), new Rng(0));
 * AutoencoderConfig tiny = new AutoencoderConfig(32, List.of(1, 2), 1, List.of(8), 4, true, 0.0, 16, 3, 3, 4, 0);
 * }</pre>
 *
 * @param ch              base channel count ({@code ch}); every level has {@code ch * chMult[i]} channels
 * @param chMult          channel multiplier per resolution level ({@code ch_mult}); its length is the number of
 *                        levels, and the image is downsampled {@code chMult.size() - 1} times
 * @param numResBlocks    ResnetBlocks per level in the encoder ({@code num_res_blocks}; the decoder has one more)
 * @param attnResolutions feature-map sizes at which every ResnetBlock is followed by an AttnBlock
 *                        ({@code attn_resolutions}, measured against {@code resolution}); the middle blocks always
 *                        have attention
 * @param zChannels       latent channels at the encoder's output ({@code z_channels})
 * @param doubleZ         whether the encoder outputs {@code 2 * zChannels} (mean and log-variance; KL models)
 * @param dropout         dropout probability inside the ResnetBlocks
 * @param resolution      nominal input resolution, used only to place attention ({@code resolution})
 * @param inChannels      image channels in ({@code in_channels})
 * @param outCh           image channels out ({@code out_ch})
 * @param embedDim        channels of the latent the diffusion model sees ({@code embed_dim})
 * @param nEmbed          codebook size of a VQ model ({@code n_embed}); 0 for a KL model
 */
public record AutoencoderConfig(int ch, List<Integer> chMult, int numResBlocks, List<Integer> attnResolutions,
                                int zChannels, boolean doubleZ, double dropout, int resolution, int inChannels,
                                int outCh, int embedDim, int nEmbed) {

    /** The reference's {@code Normalize()}: GroupNorm with 32 groups; every level's channel count must divide. */
    static final int GROUPS = 32;

    /** Validates every field and copies the lists. */
    public AutoencoderConfig {
        if (chMult == null || chMult.isEmpty()) {
            throw new IllegalArgumentException("chMult: expected at least one level, got " + chMult);
        }
        chMult = List.copyOf(chMult);
        attnResolutions = attnResolutions == null ? List.of() : List.copyOf(attnResolutions);
        positive("ch", ch);
        if (ch % GROUPS != 0) {
            throw new IllegalArgumentException("ch: expected a multiple of " + GROUPS + " (GroupNorm groups), got "
                    + ch);
        }
        for (int m : chMult) {
            if (m <= 0) {
                throw new IllegalArgumentException("chMult: expected positive multipliers, got " + chMult);
            }
        }
        if (numResBlocks < 1) {
            throw new IllegalArgumentException("numResBlocks: expected at least 1, got " + numResBlocks);
        }
        for (int r : attnResolutions) {
            if (r <= 0) {
                throw new IllegalArgumentException("attnResolutions: expected positive sizes, got " + attnResolutions);
            }
        }
        positive("zChannels", zChannels);
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout: expected a probability in [0, 1), got " + dropout);
        }
        positive("resolution", resolution);
        positive("inChannels", inChannels);
        positive("outCh", outCh);
        positive("embedDim", embedDim);
        if (nEmbed < 0) {
            throw new IllegalArgumentException("nEmbed: expected 0 (KL) or a codebook size, got " + nEmbed);
        }
        int factor = 1 << (chMult.size() - 1);
        if (chMult.size() > 16 || resolution % factor != 0) {
            throw new IllegalArgumentException("resolution: expected a multiple of the downsampling factor " + factor
                    + " (" + chMult.size() + " levels), got " + resolution);
        }
    }

    private static void positive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + ": expected a positive value, got " + v);
        }
    }

    // ---------------------------------------------------------------- presets (CompVis models/first_stage_models)

    /** kl-f4: 3x64x64 latents of 256x256 images. */
    public static AutoencoderConfig klF4() {
        return kl(List.of(1, 2, 4), List.of(), 3, 3);
    }

    /** kl-f8: 4x32x32 latents. */
    public static AutoencoderConfig klF8() {
        return kl(List.of(1, 2, 4, 4), List.of(), 4, 4);
    }

    /** kl-f16: 16x16x16 latents, attention at 16x16. */
    public static AutoencoderConfig klF16() {
        return kl(List.of(1, 1, 2, 2, 4), List.of(16), 16, 16);
    }

    /** kl-f32: 64x8x8 latents, attention at 16x16 and 8x8. */
    public static AutoencoderConfig klF32() {
        return kl(List.of(1, 1, 2, 2, 4, 4), List.of(16, 8), 64, 64);
    }

    /** vq-f4: 3x64x64 latents, codebook 8192. */
    public static AutoencoderConfig vqF4() {
        return vq(List.of(1, 2, 4), List.of(), 3, 3, 8192);
    }

    /** vq-f8: 4x32x32 latents, codebook 16384, attention at 32x32. */
    public static AutoencoderConfig vqF8() {
        return vq(List.of(1, 2, 2, 4), List.of(32), 4, 4, 16384);
    }

    /** vq-f16: 8x16x16 latents, codebook 16384, attention at 16x16. */
    public static AutoencoderConfig vqF16() {
        return vq(List.of(1, 1, 2, 2, 4), List.of(16), 8, 8, 16384);
    }

    /**
     * Stable Diffusion 1.x's VAE (the {@code first_stage_model} of every SD 1.x checkpoint): kl-f8, 83,653,863
     * parameters without the loss.
     */
    public static AutoencoderConfig sdVaeF8() {
        return kl(List.of(1, 2, 4, 4), List.of(), 4, 4);
    }

    private static AutoencoderConfig kl(List<Integer> mult, List<Integer> attn, int z, int embed) {
        return new AutoencoderConfig(128, mult, 2, attn, z, true, 0.0, 256, 3, 3, embed, 0);
    }

    private static AutoencoderConfig vq(List<Integer> mult, List<Integer> attn, int z, int embed, int nEmbed) {
        return new AutoencoderConfig(128, mult, 2, attn, z, false, 0.0, 256, 3, 3, embed, nEmbed);
    }

    // ---------------------------------------------------------------- derived values

    /** Number of resolution levels ({@code len(ch_mult)}). */
    public int numResolutions() {
        return chMult.size();
    }

    /** How much smaller the latent is than the image per side: {@code 2^(levels-1)}. */
    public int downsamplingFactor() {
        return 1 << (chMult.size() - 1);
    }

    /** Channels of level {@code level}: {@code ch * chMult[level]}. */
    public int channels(int level) {
        return ch * chMult.get(level);
    }

    /** Channels at the encoder's output: {@code 2 * zChannels} with {@code doubleZ}, else {@code zChannels}. */
    public int encoderOutChannels() {
        return doubleZ ? 2 * zChannels : zChannels;
    }

    /** Whether this is a VQ configuration ({@code nEmbed > 0}). */
    public boolean isVq() {
        return nEmbed > 0;
    }

    /** This configuration with another {@code dropout}. */
    public AutoencoderConfig withDropout(double p) {
        return new AutoencoderConfig(ch, chMult, numResBlocks, attnResolutions, zChannels, doubleZ, p, resolution,
                inChannels, outCh, embedDim, nEmbed);
    }

    /**
     * The number of parameters of the model this configuration builds (encoder, decoder, quant convs and, for a
     * VQ model, the codebook; no loss), counted arithmetically without allocating anything.
     */
    public long parameterCount() {
        long n = conv(inChannels, ch, 3);                                      // encoder.conv_in
        int res = resolution;
        int blockIn = ch;
        for (int i = 0; i < numResolutions(); i++) {
            int out = channels(i);
            for (int b = 0; b < numResBlocks; b++) {
                n += resnet(blockIn, out);
                blockIn = out;
                if (attnResolutions.contains(res)) {
                    n += attn(blockIn);
                }
            }
            if (i != numResolutions() - 1) {
                n += conv(blockIn, blockIn, 3);                                  // downsample.conv
                res /= 2;
            }
        }
        n += mid(blockIn) + norm(blockIn) + conv(blockIn, encoderOutChannels(), 3);
        // decoder
        blockIn = channels(numResolutions() - 1);
        res = resolution / downsamplingFactor();
        n += conv(zChannels, blockIn, 3) + mid(blockIn);
        for (int i = numResolutions() - 1; i >= 0; i--) {
            int out = channels(i);
            for (int b = 0; b < numResBlocks + 1; b++) {
                n += resnet(blockIn, out);
                blockIn = out;
                if (attnResolutions.contains(res)) {
                    n += attn(blockIn);
                }
            }
            if (i != 0) {
                n += conv(blockIn, blockIn, 3);                                  // upsample.conv
                res *= 2;
            }
        }
        n += norm(blockIn) + conv(blockIn, outCh, 3);
        if (isVq()) {
            n += conv(zChannels, embedDim, 1) + conv(embedDim, zChannels, 1) + (long) nEmbed * embedDim;
        } else {
            n += conv(2L * zChannels, 2L * embedDim, 1) + conv(embedDim, zChannels, 1);
        }
        return n;
    }

    private static long conv(long in, long out, int k) {
        return out * in * k * k + out;
    }

    private static long norm(long c) {
        return 2 * c;
    }

    private static long resnet(int in, int out) {
        return norm(in) + conv(in, out, 3) + norm(out) + conv(out, out, 3) + (in != out ? conv(in, out, 1) : 0);
    }

    private static long attn(int c) {
        return norm(c) + 4 * conv(c, c, 1);
    }

    private static long mid(int c) {
        return 2 * resnet(c, c) + attn(c);
    }
}
