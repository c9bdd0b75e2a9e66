package org.ldm4j.core.autograd;

import static org.ldm4j.core.autograd.Ops.grads;
import static org.ldm4j.core.autograd.Ops.result;

import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Ops that draw random numbers; each takes the {@link Rng} to draw from.
 *
 * <pre>{@code
 * Tensor h = RandomOps.dropout(x, 0.1, rng);   // zeroes 10% of x and scales the rest by 1/0.9
 * }</pre>
 */
public final class RandomOps {
    private RandomOps() {
    }

    /** Inverted dropout: zeroes each element with probability {@code p}, scales survivors by {@code 1/(1-p)}. */
    public static Tensor dropout(Tensor x, double p, Rng rng) {
        Shapes.checkFloating("dropout", x);
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("p: expected a drop probability in [0, 1), got " + p);
        }
        if (p == 0) {
            return x;
        }
        INDArray mask = rng.bernoulli(x.dtype(), 1 - p, x.shape()).array().muli(1.0 / (1 - p));
        INDArray y = x.array().mul(mask);
        return result("dropout", y, g -> grads(g.mul(mask)), () -> Ops.free(mask), x);
    }
}
