package org.ldm4j.autoencoder.loss;

/**
 * The settings of {@link VqAutoencoderLoss}, under the names of taming's {@code VQLPIPSWithDiscriminator}
 * arguments, with its defaults in {@link #defaults(long)} and the LDM {@code vq-f*} configs' values in
 * {@link #vqF4()} and {@link #vqF16()}.
 *
 * <pre>{@code
 * VqLossConfig c = VqLossConfig.vqF4();                       // disc_start 0, disc_weight 0.75
 * VqLossConfig v = c.withDiscLoss(GanLoss.VANILLA).withDiscNumLayers(2);
 * }</pre>
 *
 * @param discStart        {@code disc_start}: the GAN terms count from this global step on ({@code step >= start})
 * @param codebookWeight   {@code codebook_weight}
 * @param pixelLossWeight  {@code pixelloss_weight}: stored but never used, as in the reference
 * @param discNumLayers    {@code disc_num_layers}
 * @param discInChannels   {@code disc_in_channels}
 * @param discFactor       {@code disc_factor}
 * @param discWeight       {@code disc_weight}, the adaptive weight's factor
 * @param perceptualWeight {@code perceptual_weight}; at 0 LPIPS is not evaluated
 * @param discNorm         {@code use_actnorm}: BatchNorm or ActNorm in the discriminator
 * @param discConditional  {@code disc_conditional}
 * @param discNdf          {@code disc_ndf}
 * @param discLoss         {@code disc_loss}: hinge or vanilla
 */
public record VqLossConfig(long discStart, double codebookWeight, double pixelLossWeight, int discNumLayers,
                           int discInChannels, double discFactor, double discWeight, double perceptualWeight,
                           PatchGanDiscriminator.Norm discNorm, boolean discConditional, int discNdf,
                           GanLoss discLoss) {
    /** Validates every setting. */
    public VqLossConfig {
        LossConfigs.nonNegative("codebookWeight", codebookWeight);
        LossConfigs.finite("pixelLossWeight", pixelLossWeight);
        LossConfigs.discriminator(discNumLayers, discInChannels, discNdf, discFactor, discWeight, perceptualWeight,
                discNorm, discLoss);
    }

    /** The reference's defaults: {@code VQLPIPSWithDiscriminator(disc_start)} (disc_num_layers 3, disc_weight 1). */
    public static VqLossConfig defaults(long discStart) {
        return new VqLossConfig(discStart, 1.0, 1.0, 3, 3, 1.0, 1.0, 1.0, PatchGanDiscriminator.Norm.BATCH_NORM,
                false, 64, GanLoss.HINGE);
    }

    /** LDM's {@code models/first_stage_models/vq-f4}: disc_start 0, disc_weight 0.75, codebook_weight 1. */
    public static VqLossConfig vqF4() {
        return defaults(0).withDiscWeight(0.75);
    }

    /** LDM's {@code models/first_stage_models/vq-f16}: disc_start 250001, disc_weight 0.75, disc_num_layers 2. */
    public static VqLossConfig vqF16() {
        return defaults(250001).withDiscWeight(0.75).withDiscNumLayers(2);
    }

    public VqLossConfig withDiscStart(long v) {
        return new VqLossConfig(v, codebookWeight, pixelLossWeight, discNumLayers, discInChannels, discFactor,
                discWeight, perceptualWeight, discNorm, discConditional, discNdf, discLoss);
    }

    public VqLossConfig withCodebookWeight(double v) {
        return new VqLossConfig(discStart, v, pixelLossWeight, discNumLayers, discInChannels, discFactor,
                discWeight, perceptualWeight, discNorm, discConditional, discNdf, discLoss);
    }

    public VqLossConfig withDiscWeight(double v) {
        return new VqLossConfig(discStart, codebookWeight, pixelLossWeight, discNumLayers, discInChannels,
                discFactor, v, perceptualWeight, discNorm, discConditional, discNdf, discLoss);
    }

    public VqLossConfig withDiscFactor(double v) {
        return new VqLossConfig(discStart, codebookWeight, pixelLossWeight, discNumLayers, discInChannels, v,
                discWeight, perceptualWeight, discNorm, discConditional, discNdf, discLoss);
    }

    public VqLossConfig withPerceptualWeight(double v) {
        return new VqLossConfig(discStart, codebookWeight, pixelLossWeight, discNumLayers, discInChannels,
                discFactor, discWeight, v, discNorm, discConditional, discNdf, discLoss);
    }

    public VqLossConfig withDiscNumLayers(int v) {
        return new VqLossConfig(discStart, codebookWeight, pixelLossWeight, v, discInChannels, discFactor,
                discWeight, perceptualWeight, discNorm, discConditional, discNdf, discLoss);
    }

    public VqLossConfig withDiscNorm(PatchGanDiscriminator.Norm v) {
        return new VqLossConfig(discStart, codebookWeight, pixelLossWeight, discNumLayers, discInChannels,
                discFactor, discWeight, perceptualWeight, v, discConditional, discNdf, discLoss);
    }

    public VqLossConfig withDiscNdf(int v) {
        return new VqLossConfig(discStart, codebookWeight, pixelLossWeight, discNumLayers, discInChannels,
                discFactor, discWeight, perceptualWeight, discNorm, discConditional, v, discLoss);
    }

    public VqLossConfig withDiscLoss(GanLoss v) {
        return new VqLossConfig(discStart, codebookWeight, pixelLossWeight, discNumLayers, discInChannels,
                discFactor, discWeight, perceptualWeight, discNorm, discConditional, discNdf, v);
    }

    /** A conditional discriminator ({@code disc_conditional}) whose input, images and condition concatenated,
     * has {@code discInChannels} channels. */
    public VqLossConfig withCondition(int discInChannels) {
        return new VqLossConfig(discStart, codebookWeight, pixelLossWeight, discNumLayers, discInChannels,
                discFactor, discWeight, perceptualWeight, discNorm, true, discNdf, discLoss);
    }
}
