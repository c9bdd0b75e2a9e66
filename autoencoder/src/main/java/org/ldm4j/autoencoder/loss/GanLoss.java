package org.ldm4j.autoencoder.loss;

import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The discriminator's adversarial loss ({@code disc_loss="hinge" | "vanilla"}), as taming's
 * {@code hinge_d_loss} and {@code vanilla_d_loss}, plus the generator's loss and the {@code adopt_weight}
 * warm-up shared by both:
 * <ul>
 *   <li>hinge: {@code 0.5 * (mean(relu(1 - real)) + mean(relu(1 + fake)))};</li>
 *   <li>vanilla: {@code 0.5 * (mean(softplus(-real)) + mean(softplus(fake)))}, softplus with beta 1 and threshold
 *       20 (the non-saturating GAN loss);</li>
 *   <li>generator, for both: {@code g_loss = -mean(fake)}.</li>
 * </ul>
 *
 * <pre>{@code
 * Tensor dLoss = GanLoss.HINGE.discriminatorLoss(d.forward(real), d.forward(fake.detach()));
 * Tensor gLoss = GanLoss.generatorLoss(d.forward(fake));
 * double factor = GanLoss.adoptWeight(1.0, globalStep, 50001);     // 0 before step 50001
 * }</pre>
 */
public enum GanLoss {
    /** {@code hinge_d_loss}, the LDM and taming default. */
    HINGE {
        @Override
        public Tensor discriminatorLoss(Tensor logitsReal, Tensor logitsFake) {
            check(logitsReal, logitsFake);
            Tensor lossReal = logitsReal.rsub(1.0).relu().mean();
            Tensor lossFake = logitsFake.add(1.0).relu().mean();
            return lossReal.add(lossFake).mul(0.5);
        }
    },
    /** {@code vanilla_d_loss}: binary cross-entropy on the logits. */
    VANILLA {
        @Override
        public Tensor discriminatorLoss(Tensor logitsReal, Tensor logitsFake) {
            check(logitsReal, logitsFake);
            Tensor lossReal = logitsReal.neg().softplus().mean();
            Tensor lossFake = logitsFake.softplus().mean();
            return lossReal.add(lossFake).mul(0.5);
        }
    };

    /** The discriminator's loss from its logits on real and on generated images (any shapes), a scalar. */
    public abstract Tensor discriminatorLoss(Tensor logitsReal, Tensor logitsFake);

    /** The generator's adversarial loss {@code -mean(logitsFake)}, a scalar. */
    public static Tensor generatorLoss(Tensor logitsFake) {
        if (logitsFake == null) {
            throw new IllegalArgumentException("logitsFake: expected the discriminator's logits, got null");
        }
        Shapes.checkFloating("logitsFake", logitsFake);
        return logitsFake.mean().neg();
    }

    /** {@code adopt_weight}: {@code value} (0) while {@code globalStep < threshold} (strictly), else {@code weight}. */
    public static double adoptWeight(double weight, long globalStep, long threshold) {
        return globalStep < threshold ? 0.0 : weight;
    }

    private static void check(Tensor logitsReal, Tensor logitsFake) {
        if (logitsReal == null || logitsFake == null) {
            throw new IllegalArgumentException("logitsReal, logitsFake: expected the discriminator's logits, got "
                    + (logitsReal == null ? "null" : "a tensor") + " and " + (logitsFake == null ? "null" : "a tensor"));
        }
        Shapes.checkFloating("logitsReal", logitsReal);
        Shapes.checkSameDType("discriminatorLoss", logitsReal, logitsFake);
    }
}
