package org.ldm4j.core.nn;

import org.ldm4j.core.tensor.Tensor;

/**
 * The logistic sigmoid, as {@code nn.Sigmoid}. No parameters.
 *
 * <pre>{@code
 * Tensor y = new Sigmoid().forward(x);
 * }</pre>
 */
public final class Sigmoid extends Module implements Layer {
    @Override
    public Tensor forward(Tensor x) {
        return x.sigmoid();
    }
}
