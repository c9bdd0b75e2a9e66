package org.ldm4j.core.nn;

import org.ldm4j.core.tensor.Tensor;

/**
 * The hyperbolic tangent, as {@code nn.Tanh}. No parameters.
 *
 * <pre>{@code
 * Tensor y = new Tanh().forward(x);
 * }</pre>
 */
public final class Tanh extends Module implements Layer {
    @Override
    public Tensor forward(Tensor x) {
        return x.tanh();
    }
}
