package org.ldm4j.diffusion;

/**
 * The options of {@link DiffusionLoss}, with the reference's defaults ({@code DDPM.__init__}: {@code loss_type="l2"},
 * {@code l_simple_weight=1}, {@code original_elbo_weight=0}, {@code learn_logvar=False}, {@code logvar_init=0}) and
 * two extensions that are off by default: min-SNR-gamma weighting and offset noise.
 *
 * <pre>{@code
 * DiffusionLossConfig c = DiffusionLossConfig.reference()          // L2, eps-style simple loss
 *         .withMinSnrGamma(5)                                     // Hang et al. 2023
 *         .withOffsetNoise(0.1);
 * }</pre>
 *
 * @param lossType           L1 or L2 between the model output and the target (the reference's {@code loss_type})
 * @param lSimpleWeight      weight of the simple loss ({@code l_simple_weight})
 * @param originalElboWeight weight of the VLB term ({@code original_elbo_weight}); 0 leaves it out of the gradient
 * @param learnLogvar        whether the per-timestep log-variance is a trained parameter ({@code learn_logvar})
 * @param logvarInit         the log-variance's initial (or, when not learned, fixed) value ({@code logvar_init})
 * @param minSnrGamma        gamma of min-SNR weighting; 0 turns it off
 * @param offsetNoise        scale of the per-[B, C] offset added to the noise; 0 turns it off
 */
public record DiffusionLossConfig(LossType lossType, double lSimpleWeight, double originalElboWeight,
                                  boolean learnLogvar, double logvarInit, double minSnrGamma, double offsetNoise) {

    /**
     * The elementwise loss between output and target (the reference's {@code get_loss}).
     *
     * <pre>{@code
     * DiffusionLossConfig c = DiffusionLossConfig.reference().withLossType(DiffusionLossConfig.LossType.L1);
     * }</pre>
     */
    public enum LossType {
        /** {@code |target - output|}. */
        L1,
        /** {@code (target - output)^2}. */
        L2
    }

    public DiffusionLossConfig {
        if (lossType == null) {
            throw new IllegalArgumentException("lossType: expected L1 or L2, got null");
        }
        nonNegative("lSimpleWeight", lSimpleWeight);
        nonNegative("originalElboWeight", originalElboWeight);
        if (!Double.isFinite(logvarInit)) {
            throw new IllegalArgumentException("logvarInit: expected a finite log-variance, got " + logvarInit);
        }
        nonNegative("minSnrGamma", minSnrGamma);
        nonNegative("offsetNoise", offsetNoise);
    }

    private static void nonNegative(String arg, double v) {
        if (!(v >= 0 && Double.isFinite(v))) {
            throw new IllegalArgumentException(arg + ": expected a finite value >= 0, got " + v);
        }
    }

    /** The reference's defaults: L2, simple weight 1, no VLB term, fixed log-variance 0, no min-SNR, no offset. */
    public static DiffusionLossConfig reference() {
        return new DiffusionLossConfig(LossType.L2, 1.0, 0.0, false, 0.0, 0.0, 0.0);
    }

    public DiffusionLossConfig withLossType(LossType type) {
        return new DiffusionLossConfig(type, lSimpleWeight, originalElboWeight, learnLogvar, logvarInit, minSnrGamma,
                offsetNoise);
    }

    public DiffusionLossConfig withLSimpleWeight(double w) {
        return new DiffusionLossConfig(lossType, w, originalElboWeight, learnLogvar, logvarInit, minSnrGamma,
                offsetNoise);
    }

    public DiffusionLossConfig withOriginalElboWeight(double w) {
        return new DiffusionLossConfig(lossType, lSimpleWeight, w, learnLogvar, logvarInit, minSnrGamma, offsetNoise);
    }

    /** A learned (or, with {@code learn} false, fixed) per-timestep log-variance starting at {@code init}. */
    public DiffusionLossConfig withLearnedLogvar(boolean learn, double init) {
        return new DiffusionLossConfig(lossType, lSimpleWeight, originalElboWeight, learn, init, minSnrGamma,
                offsetNoise);
    }

    /** Min-SNR-gamma weighting with this gamma (5 in Hang et al. 2023); 0 turns it off. */
    public DiffusionLossConfig withMinSnrGamma(double gamma) {
        return new DiffusionLossConfig(lossType, lSimpleWeight, originalElboWeight, learnLogvar, logvarInit, gamma,
                offsetNoise);
    }

    /** Offset noise of this scale (0.1 is common); 0 turns it off. */
    public DiffusionLossConfig withOffsetNoise(double scale) {
        return new DiffusionLossConfig(lossType, lSimpleWeight, originalElboWeight, learnLogvar, logvarInit,
                minSnrGamma, scale);
    }

    /** Whether min-SNR weighting is on. */
    public boolean usesMinSnr() {
        return minSnrGamma > 0;
    }
}
