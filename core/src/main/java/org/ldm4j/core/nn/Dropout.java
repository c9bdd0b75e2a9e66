package org.ldm4j.core.nn;

import org.ldm4j.core.autograd.RandomOps;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * Inverted dropout, as {@code nn.Dropout}: in training mode each element is zeroed with probability {@code p}
 * and the survivors scaled by {@code 1/(1-p)}, drawing from this module's {@link Rng}; in evaluation mode (and
 * for {@code p = 0}) it returns its input unchanged.
 *
 * <pre>{@code
 * Dropout drop = new Dropout(0.1, rng.split());
 * Tensor h = drop.forward(x);          // training: random mask
 * drop.eval();
 * drop.forward(x) == x;                // true
 * }</pre>
 */
public final class Dropout extends Module implements Layer {
    private final double p;
    private final Rng rng;

    public Dropout(double p, Rng rng) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("p: expected a drop probability in [0, 1), got " + p);
        }
        if (rng == null && p > 0) {
            throw new IllegalArgumentException("rng: expected a generator for the dropout masks, got null");
        }
        this.p = p;
        this.rng = rng;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0) {
            return x;
        }
        return RandomOps.dropout(x, p, rng);
    }

    public double p() {
        return p;
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
