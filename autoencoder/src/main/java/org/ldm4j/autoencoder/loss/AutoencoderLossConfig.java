package org.ldm4j.autoencoder.loss;

/**
 * The settings of {@link AutoencoderLoss}, under the names of the reference's {@code LPIPSWithDiscriminator}
 * arguments ({@code disc_start}, {@code logvar_init}, {@code kl_weight}, ...), with its defaults in
 * {@link #defaults(long)} and the LDM configs' values in {@link #ldm()}.
 *
 * <pre>{@code
 * AutoencoderLossConfig c = AutoencoderLossConfig.ldm();                     // disc_start 50001, kl_weight 1e-6
 * AutoencoderLossConfig tiny = c.withDiscStart(0).withDiscLoss(GanLoss.VANILLA).withDiscNdf(16);
 * }</pre>
 *
 * @param discStart        {@code disc_start}: the GAN terms count from this global step on ({@code step >= start})
 * @param logvarInit       {@code logvar_init}: the initial value of the learned scalar log-variance
 * @param klWeight         {@code kl_weight}
 * @param pixelLossWeight  {@code pixelloss_weight}: stored but never used, as in the reference
 * @param discNumLayers    {@code disc_num_layers}, the discriminator's stride-2 layers
 * @param discInChannels   {@code disc_in_channels}
 * @param discFactor       {@code disc_factor}; at 0 the adaptive weight is not computed (d_weight 0)
 * @param discWeight       {@code disc_weight}, the adaptive weight's factor
 * @param perceptualWeight {@code perceptual_weight}; at 0 LPIPS is not evaluated
 * @param discNorm         {@code use_actnorm}: BatchNorm or ActNorm in the discriminator
 * @param discConditional  {@code disc_conditional}: the discriminator also sees a condition (concatenated channels)
 * @param discLoss         {@code disc_loss}: hinge or vanilla
 * @param discNdf          the discriminator's first width; the reference has no such argument and always uses 64
 */
public record AutoencoderLossConfig(long discStart, double logvarInit, double klWeight, double pixelLossWeight,
                                    int discNumLayers, int discInChannels, double discFactor, double discWeight,
                                    double perceptualWeight, PatchGanDiscriminator.Norm discNorm,
                                    boolean discConditional, GanLoss discLoss, int discNdf) {
    /** Validates every setting. */
    public AutoencoderLossConfig {
        LossConfigs.finite("logvarInit", logvarInit);
        LossConfigs.nonNegative("klWeight", klWeight);
        LossConfigs.finite("pixelLossWeight", pixelLossWeight);
        LossConfigs.discriminator(discNumLayers, discInChannels, discNdf, discFactor, discWeight, perceptualWeight,
                discNorm, discLoss);
    }

    /** The reference's defaults: {@code LPIPSWithDiscriminator(disc_start)} (kl_weight 1, disc_num_layers 3, ...). */
    public static AutoencoderLossConfig defaults(long discStart) {
        return new AutoencoderLossConfig(discStart, 0.0, 1.0, 1.0, 3, 3, 1.0, 1.0, 1.0,
                PatchGanDiscriminator.Norm.BATCH_NORM, false, GanLoss.HINGE, 64);
    }

    /** The paper's KL autoencoders ({@code configs/autoencoder/autoencoder_kl_*.yaml}): disc_start 50001,
     * kl_weight 1e-6, disc_weight 0.5, the rest as {@link #defaults}. */
    public static AutoencoderLossConfig ldm() {
        return defaults(50001).withKlWeight(1e-6).withDiscWeight(0.5);
    }

    public AutoencoderLossConfig withDiscStart(long v) {
        return new AutoencoderLossConfig(v, logvarInit, klWeight, pixelLossWeight, discNumLayers, discInChannels,
                discFactor, discWeight, perceptualWeight, discNorm, discConditional, discLoss, discNdf);
    }

    public AutoencoderLossConfig withKlWeight(double v) {
        return new AutoencoderLossConfig(discStart, logvarInit, v, pixelLossWeight, discNumLayers, discInChannels,
                discFactor, discWeight, perceptualWeight, discNorm, discConditional, discLoss, discNdf);
    }

    public AutoencoderLossConfig withDiscWeight(double v) {
        return new AutoencoderLossConfig(discStart, logvarInit, klWeight, pixelLossWeight, discNumLayers,
                discInChannels, discFactor, v, perceptualWeight, discNorm, discConditional, discLoss, discNdf);
    }

    public AutoencoderLossConfig withDiscFactor(double v) {
        return new AutoencoderLossConfig(discStart, logvarInit, klWeight, pixelLossWeight, discNumLayers,
                discInChannels, v, discWeight, perceptualWeight, discNorm, discConditional, discLoss, discNdf);
    }

    public AutoencoderLossConfig withPerceptualWeight(double v) {
        return new AutoencoderLossConfig(discStart, logvarInit, klWeight, pixelLossWeight, discNumLayers,
                discInChannels, discFactor, discWeight, v, discNorm, discConditional, discLoss, discNdf);
    }

    public AutoencoderLossConfig withDiscNumLayers(int v) {
        return new AutoencoderLossConfig(discStart, logvarInit, klWeight, pixelLossWeight, v, discInChannels,
                discFactor, discWeight, perceptualWeight, discNorm, discConditional, discLoss, discNdf);
    }

    public AutoencoderLossConfig withDiscNorm(PatchGanDiscriminator.Norm v) {
        return new AutoencoderLossConfig(discStart, logvarInit, klWeight, pixelLossWeight, discNumLayers,
                discInChannels, discFactor, discWeight, perceptualWeight, v, discConditional, discLoss, discNdf);
    }

    public AutoencoderLossConfig withDiscLoss(GanLoss v) {
        return new AutoencoderLossConfig(discStart, logvarInit, klWeight, pixelLossWeight, discNumLayers,
                discInChannels, discFactor, discWeight, perceptualWeight, discNorm, discConditional, v, discNdf);
    }

    public AutoencoderLossConfig withDiscNdf(int v) {
        return new AutoencoderLossConfig(discStart, logvarInit, klWeight, pixelLossWeight, discNumLayers,
                discInChannels, discFactor, discWeight, perceptualWeight, discNorm, discConditional, discLoss, v);
    }

    /** A conditional discriminator ({@code disc_conditional}) whose input, images and condition concatenated,
     * has {@code discInChannels} channels. */
    public AutoencoderLossConfig withCondition(int discInChannels) {
        return new AutoencoderLossConfig(discStart, logvarInit, klWeight, pixelLossWeight, discNumLayers,
                discInChannels, discFactor, discWeight, perceptualWeight, discNorm, true, discLoss, discNdf);
    }
}
