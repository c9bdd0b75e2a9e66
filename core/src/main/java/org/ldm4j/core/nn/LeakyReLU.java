package org.ldm4j.core.nn;

import org.ldm4j.core.autograd.Activations;
import org.ldm4j.core.tensor.Tensor;

/**
 * {@code x} where positive, {@code slope * x} elsewhere, as {@code nn.LeakyReLU(slope)}; the patch-GAN
 * discriminator uses slope 0.2. No parameters.
 *
 * <pre>{@code
 * Sequential main = new Sequential(new Conv2d(3, 64, 4, 2, 1, true, rng), new LeakyReLU(0.2));
 * }</pre>
 */
public final class LeakyReLU extends Module implements Layer {
    private final double slope;

    public LeakyReLU(double slope) {
        if (!Double.isFinite(slope)) {
            throw new IllegalArgumentException("slope: expected a finite value, got " + slope);
        }
        this.slope = slope;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Activations.leakyRelu(x, slope);
    }

    @Override
    protected String extraRepr() {
        return "slope=" + slope;
    }
}
