package org.ldm4j.unet;

import java.util.List;

/**
 * The shape of a {@link UNetModel}: the keyword arguments of the reference's
 * {@code ldm.modules.diffusionmodules.openaimodel.UNetModel}, validated on construction, with presets carrying the
 * exact {@code unet_config} values of the paper's configs and of Stable Diffusion 1.x.
 *
 * <p>"None" in the reference is 0 here for {@code numClasses} and {@code contextDim}, and -1 (as in the reference)
 * for {@code numHeads}, {@code numHeadChannels} and {@code numHeadsUpsample}. The reference's {@code dims} (always
 * 2 here), {@code use_fp16}, {@code use_new_attention_order} and {@code n_embed} are not supported.
 *
 * <pre>{@code
 * UNetConfig sd = UNetConfig.sd15();
 * sd.parameterCount();                                  // 859,520,964, computed without building anything
 * UNetConfig tiny = UNetConfig.builder()
 *         .imageSize(8).inChannels(4).outChannels(4).modelChannels(32).numResBlocks(1)
 *         .channelMult(1, 2).attentionResolutions(2).numHeadChannels(16)
 *         .useSpatialTransformer(true).contextDim(32).legacy(false)
 *         .build();
 * UNetModel unet = new UNetModel(tiny, new Rng(0));
 * }</pre>
 *
 * @param imageSize             nominal latent side (the reference stores it and never uses it; samplers may)
 * @param inChannels            input channels: the latent channels, plus any concatenated conditioning (inpainting
 *                              mask and masked image, low-resolution image, semantic map)
 * @param modelChannels         base channel count, a multiple of 32 (GroupNorm groups)
 * @param outChannels           output channels
 * @param numResBlocks          ResBlocks per level on the way down (the way up has one more per level)
 * @param attentionResolutions  downsampling factors (1, 2, 4, ...; not pixel sizes) at which each ResBlock is
 *                              followed by attention; factors the U-Net never reaches are ignored, as in the reference
 * @param dropout               dropout probability in the ResBlocks (and, as in the reference, not in the transformer)
 * @param channelMult           channel multiplier per level; its first entry must be 1 (the reference's {@code out}
 *                              convolution assumes it)
 * @param convResample          learned 3x3 convolutions in Downsample/Upsample (else average pooling / plain nearest)
 * @param numClasses            class-conditional with this many classes ({@code label_emb}, added to the time
 *                              embedding); 0 for none
 * @param useCheckpoint         recompute ResBlocks, attention blocks and transformer blocks in backward (training;
 *                              the reference always checkpoints the latter two, which changes memory, not results;
 *                              with dropout, the recomputation draws a new mask, as in the reference)
 * @param numHeads              attention heads, or -1 to derive them from {@code numHeadChannels}
 * @param numHeadChannels       channels per head, or -1 to use {@code numHeads}
 * @param numHeadsUpsample      heads of the up path's legacy attention blocks (deprecated in the reference), -1 for
 *                              {@code numHeads}
 * @param useScaleShiftNorm     FiLM-like conditioning: {@code GN(h) * (1 + scale) + shift} from the embedding
 * @param resblockUpdown        down/upsample with ResBlocks ({@code down=True}/{@code up=True}) instead of
 *                              Downsample/Upsample
 * @param useSpatialTransformer SpatialTransformer (cross-attention to a context) instead of the legacy AttentionBlock
 * @param transformerDepth      BasicTransformerBlocks per SpatialTransformer
 * @param contextDim            feature size of the cross-attention context; 0 for none (required with the
 *                              spatial transformer, forbidden without)
 * @param legacy                the reference's {@code legacy} head-size rule (see {@link #heads(int, boolean)})
 */
public record UNetConfig(int imageSize, int inChannels, int modelChannels, int outChannels, int numResBlocks,
                         List<Integer> attentionResolutions, double dropout, List<Integer> channelMult,
                         boolean convResample, int numClasses, boolean useCheckpoint, int numHeads,
                         int numHeadChannels, int numHeadsUpsample, boolean useScaleShiftNorm, boolean resblockUpdown,
                         boolean useSpatialTransformer, int transformerDepth, int contextDim, boolean legacy) {

    /** GroupNorm groups of {@code normalization()} and {@code Normalize()}. */
    static final int GROUPS = 32;
    /** ImageNet's class count: the cin models' {@code ClassEmbedder(n_classes=1000)}. */
    public static final int IMAGENET_CLASSES = 1000;

    /** Validates every field (the reference's assertions and what would fail later) and copies the lists. */
    public UNetConfig {
        if (channelMult == null || channelMult.isEmpty()) {
            throw new IllegalArgumentException("channelMult: expected at least one level, got " + channelMult);
        }
        channelMult = List.copyOf(channelMult);
        attentionResolutions = attentionResolutions == null ? List.of() : List.copyOf(attentionResolutions);
        positive("imageSize", imageSize);
        positive("inChannels", inChannels);
        positive("modelChannels", modelChannels);
        positive("outChannels", outChannels);
        if (modelChannels % GROUPS != 0) {
            throw new IllegalArgumentException("modelChannels: expected a multiple of " + GROUPS
                    + " (GroupNorm groups), got " + modelChannels);
        }
        if (numResBlocks < 1) {
            throw new IllegalArgumentException("numResBlocks: expected at least 1, got " + numResBlocks);
        }
        for (int m : channelMult) {
            if (m <= 0) {
                throw new IllegalArgumentException("channelMult: expected positive multipliers, got " + channelMult);
            }
        }
        if (channelMult.get(0) != 1) {
            throw new IllegalArgumentException("channelMult: expected 1 as the first multiplier (the reference's out "
                    + "conv reads modelChannels channels), got " + channelMult);
        }
        if (channelMult.size() > 16) {
            throw new IllegalArgumentException("channelMult: expected at most 16 levels, got " + channelMult.size());
        }
        for (int r : attentionResolutions) {
            if (r <= 0) {
                throw new IllegalArgumentException("attentionResolutions: expected positive downsampling factors, got "
                        + attentionResolutions);
            }
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout: expected a probability in [0, 1), got " + dropout);
        }
        if (numClasses < 0) {
            throw new IllegalArgumentException("numClasses: expected 0 (not class-conditional) or a class count, got "
                    + numClasses);
        }
        headSetting("numHeads", numHeads);
        headSetting("numHeadChannels", numHeadChannels);
        headSetting("numHeadsUpsample", numHeadsUpsample);
        if (numHeads == -1 && numHeadChannels == -1) {
            throw new IllegalArgumentException("numHeads: set numHeads or numHeadChannels (both are -1)");
        }
        if (transformerDepth < 1) {
            throw new IllegalArgumentException("transformerDepth: expected at least 1, got " + transformerDepth);
        }
        if (contextDim < 0) {
            throw new IllegalArgumentException("contextDim: expected 0 (none) or a feature size, got " + contextDim);
        }
        if (useSpatialTransformer && contextDim == 0) {
            throw new IllegalArgumentException("contextDim: the spatial transformer needs the context's feature size "
                    + "(contextDim > 0)");
        }
        if (!useSpatialTransformer && contextDim != 0) {
            throw new IllegalArgumentException("contextDim: cross-attention needs useSpatialTransformer=true, got "
                    + "contextDim " + contextDim + " without it");
        }
        int levels = channelMult.size();
        int ds = 1;
        for (int level = 0; level < levels; level++, ds *= 2) {
            if (attentionResolutions.contains(ds)) {
                int ch = modelChannels * channelMult.get(level);
                checkHeads(ch, false, numHeads, numHeadChannels, numHeadsUpsample, legacy, useSpatialTransformer);
                checkHeads(ch, true, numHeads, numHeadChannels, numHeadsUpsample, legacy, useSpatialTransformer);
            }
        }
        // the middle block always attends
        checkHeads(modelChannels * channelMult.get(levels - 1), false, numHeads, numHeadChannels, numHeadsUpsample,
                legacy, useSpatialTransformer);
    }

    private static void positive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + ": expected a positive value, got " + v);
        }
    }

    private static void headSetting(String name, int v) {
        if (v != -1 && v <= 0) {
            throw new IllegalArgumentException(name + ": expected -1 (unset) or a positive value, got " + v);
        }
    }

    private static void checkHeads(int ch, boolean upsample, int numHeads, int numHeadChannels, int numHeadsUpsample,
                                   boolean legacy, boolean useSpatialTransformer) {
        Heads h = heads(ch, upsample, numHeads, numHeadChannels, numHeadsUpsample, legacy, useSpatialTransformer);
        if (h.count() < 1 || h.dim() < 1 || (!useSpatialTransformer && ch % h.count() != 0)) {
            throw new IllegalArgumentException("numHeads: " + ch + " channels do not split into heads with numHeads="
                    + numHeads + ", numHeadChannels=" + numHeadChannels + (upsample ? ", numHeadsUpsample="
                    + numHeadsUpsample : "") + ", legacy=" + legacy + " (got " + h.count() + " heads of " + h.dim()
                    + ")");
        }
    }

    /**
     * Heads of an attention layer: {@code count} heads of {@code dim} channels. For a SpatialTransformer the inner
     * width is {@code count * dim}, which may differ from the block's channels.
     *
     * <pre>{@code
     * UNetConfig.sd15().heads(640, false);          // Heads[count=8, dim=80]
     * }</pre>
     *
     * @param count number of heads
     * @param dim   channels per head
     */
    public record Heads(int count, int dim) {
    }

    /**
     * The heads of the attention layer after a ResBlock with {@code channels} channels, by the reference's rule:
     * {@code dim_head = ch // num_heads} (or {@code num_heads = ch // num_head_channels}); with {@code legacy},
     * {@code dim_head = ch // num_heads} for a SpatialTransformer and {@code num_head_channels} for an
     * AttentionBlock, which then takes {@code num_heads} ({@code numHeadsUpsample} on the up path) when that is -1.
     */
    public Heads heads(int channels, boolean upsample) {
        return heads(channels, upsample, numHeads, numHeadChannels, numHeadsUpsample, legacy, useSpatialTransformer);
    }

    private static Heads heads(int channels, boolean upsample, int numHeads, int numHeadChannels,
                               int numHeadsUpsample, boolean legacy, boolean useSpatialTransformer) {
        int nh;
        int dimHead;
        if (numHeadChannels == -1) {
            nh = numHeads;
            dimHead = channels / numHeads;
        } else {
            nh = channels / numHeadChannels;
            dimHead = numHeadChannels;
        }
        if (legacy) {
            dimHead = useSpatialTransformer ? (nh == 0 ? 0 : channels / nh) : numHeadChannels;
        }
        if (useSpatialTransformer) {
            return new Heads(nh, dimHead);
        }
        // AttentionBlock(ch, num_heads=..., num_head_channels=dimHead)
        int argHeads = upsample ? (numHeadsUpsample == -1 ? numHeads : numHeadsUpsample) : nh;
        if (dimHead == -1) {
            return new Heads(argHeads, argHeads <= 0 ? 0 : channels / argHeads);
        }
        if (dimHead <= 0 || channels % dimHead != 0) {
            return new Heads(0, dimHead);
        }
        return new Heads(channels / dimHead, dimHead);
    }

    // ---------------------------------------------------------------- presets

    /**
     * The paper's CelebA-HQ LDM-VQ-4 ({@code configs/latent-diffusion/celebahq-ldm-vq-4.yaml}, also
     * {@code models/ldm/celeba256}): unconditional, 3x64x64 latents, legacy attention blocks of 32-channel heads at
     * factors 2, 4 and 8.
     */
    public static UNetConfig celebahqLdmVq4() {
        return builder().imageSize(64).inChannels(3).outChannels(3).modelChannels(224).numResBlocks(2)
                .attentionResolutions(8, 4, 2).channelMult(1, 2, 3, 4).numHeadChannels(32).build();
    }

    /**
     * The paper's class-conditional ImageNet LDM-VQ-f8 ({@code configs/latent-diffusion/cin-ldm-vq-f8.yaml},
     * {@code models/ldm/cin256}): 4x32x32 latents. The class enters through cross-attention, not {@code label_emb}:
     * the config's {@code ClassEmbedder(embed_dim=512)} (in the conditioning module) maps a label of
     * {@link #IMAGENET_CLASSES} classes to a context [B, 1, 512]. This config has no null class; the later
     * {@link #cin256V2()} reserves index 1000 of a 1001-entry embedding for the unconditional (guidance) class.
     */
    public static UNetConfig cinLdmVqF8() {
        return builder().imageSize(32).inChannels(4).outChannels(4).modelChannels(256).numResBlocks(2)
                .attentionResolutions(4, 2, 1).channelMult(1, 2, 4).numHeadChannels(32)
                .useSpatialTransformer(true).transformerDepth(1).contextDim(512).build();
    }

    /**
     * ImageNet {@code configs/latent-diffusion/cin256-v2.yaml}: 3x64x64 latents, one head per transformer, context
     * [B, 1, 512] from {@code ClassEmbedder(n_classes=1001)} whose last class (index 1000) is the null label of
     * classifier-free guidance.
     */
    public static UNetConfig cin256V2() {
        return builder().imageSize(64).inChannels(3).outChannels(3).modelChannels(192).numResBlocks(2)
                .attentionResolutions(8, 4, 2).channelMult(1, 2, 3, 5).numHeads(1)
                .useSpatialTransformer(true).transformerDepth(1).contextDim(512).build();
    }

    /**
     * The paper's text-to-image LDM-KL-8 ({@code configs/latent-diffusion/txt2img-1p4B-eval.yaml}): 4x32x32 latents,
     * cross-attention to the 1280-wide output of the BERT-like transformer ({@code BERTEmbedder(n_embed=1280)}).
     */
    public static UNetConfig txt2imgLdmKl8() {
        return sdLike(1280);
    }

    /** LSUN-Churches LDM-KL-8 ({@code lsun_churches-ldm-kl-8.yaml}): scale-shift norm and ResBlock resampling. */
    public static UNetConfig lsunChurchesLdmKl8() {
        return builder().imageSize(32).inChannels(4).outChannels(4).modelChannels(192).numResBlocks(2)
                .attentionResolutions(1, 2, 4, 8).channelMult(1, 2, 2, 4, 4).numHeads(8)
                .useScaleShiftNorm(true).resblockUpdown(true).build();
    }

    /**
     * The inpainting LDM ({@code models/ldm/inpainting_big}): concat conditioning with 7 input channels (3 latent,
     * 3 masked-image latent, 1 mask), ResBlock resampling.
     */
    public static UNetConfig inpaintingLdmVq4() {
        return builder().imageSize(64).inChannels(7).outChannels(3).modelChannels(256).numResBlocks(2)
                .attentionResolutions(8, 4, 2).channelMult(1, 2, 3, 4).numHeads(8).resblockUpdown(true).build();
    }

    /**
     * Stable Diffusion 1.x's U-Net ({@code configs/stable-diffusion/v1-inference.yaml}): 859,520,964 parameters,
     * cross-attention to CLIP ViT-L/14 text features [B, 77, 768].
     */
    public static UNetConfig sd15() {
        return sdLike(768);
    }

    private static UNetConfig sdLike(int contextDim) {
        return builder().imageSize(32).inChannels(4).outChannels(4).modelChannels(320).numResBlocks(2)
                .attentionResolutions(4, 2, 1).channelMult(1, 2, 4, 4).numHeads(8)
                .useSpatialTransformer(true).transformerDepth(1).contextDim(contextDim)
                .useCheckpoint(true).legacy(false).build();
    }

    // ---------------------------------------------------------------- derived values

    /** Width of the time embedding: {@code 4 * modelChannels}. */
    public int timeEmbedDim() {
        return 4 * modelChannels;
    }

    /** Number of levels ({@code len(channel_mult)}). */
    public int numLevels() {
        return channelMult.size();
    }

    /** How much smaller the deepest feature map is than the input per side: {@code 2^(levels-1)}. */
    public int downsamplingFactor() {
        return 1 << (channelMult.size() - 1);
    }

    /** Channels of level {@code level}: {@code modelChannels * channelMult[level]}. */
    public int channels(int level) {
        return modelChannels * channelMult.get(level);
    }

    /** Whether blocks at downsampling factor {@code ds} have attention. */
    public boolean attentionAt(int ds) {
        return attentionResolutions.contains(ds);
    }

    /** Whether the model takes class labels {@code y}. */
    public boolean isClassConditional() {
        return numClasses > 0;
    }

    /** Parameters of the model this config builds, counted without allocating anything. */
    public long parameterCount() {
        return ParameterCount.of(this);
    }

    /** A builder holding this config's values. */
    public UNetConfigBuilder toBuilder() {
        return new UNetConfigBuilder(this);
    }

    /** A builder with the reference's defaults; set at least the sizes, the heads and attention factors. */
    public static UNetConfigBuilder builder() {
        return new UNetConfigBuilder();
    }
}
