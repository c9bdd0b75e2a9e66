package org.ldm4j.autoencoder.loss;

/** Argument checks shared by the loss configs (package-private). */
final class LossConfigs {
    private LossConfigs() {
    }

    static void nonNegative(String arg, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(arg + ": expected a finite value >= 0, got " + value);
        }
    }

    static void finite(String arg, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(arg + ": expected a finite value, got " + value);
        }
    }

    static void atLeast(String arg, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(arg + ": expected a value >= " + min + ", got " + value);
        }
    }

    static void notNull(String arg, Object value, String expected) {
        if (value == null) {
            throw new IllegalArgumentException(arg + ": expected " + expected + ", got null");
        }
    }

    /** Shared checks of the discriminator settings. */
    static void discriminator(int discNumLayers, int discInChannels, int discNdf, double discFactor,
                              double discWeight, double perceptualWeight, PatchGanDiscriminator.Norm discNorm,
                              GanLoss discLoss) {
        atLeast("discNumLayers", discNumLayers, 0);
        atLeast("discInChannels", discInChannels, 1);
        atLeast("discNdf", discNdf, 1);
        nonNegative("discFactor", discFactor);
        nonNegative("discWeight", discWeight);
        nonNegative("perceptualWeight", perceptualWeight);
        notNull("discNorm", discNorm, "BATCH_NORM or ACT_NORM");
        notNull("discLoss", discLoss, "HINGE or VANILLA");
    }
}
