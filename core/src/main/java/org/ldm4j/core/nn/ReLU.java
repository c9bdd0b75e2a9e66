package org.ldm4j.core.nn;

import org.ldm4j.core.tensor.Tensor;

/**
 * {@code max(x, 0)}, as {@code nn.ReLU}. No parameters.
 *
 * <pre>{@code
 * Tensor y = new ReLU().forward(x);
 * }</pre>
 */
public final class ReLU extends Module implements Layer {
    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }
}
