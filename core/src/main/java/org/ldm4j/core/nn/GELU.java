package org.ldm4j.core.nn;

import org.ldm4j.core.tensor.Tensor;

/**
 * The exact (erf) GELU, as {@code nn.GELU()} and the reference's GEGLU use it. No parameters.
 *
 * <pre>{@code
 * Tensor y = new GELU().forward(x);
 * }</pre>
 */
public final class GELU extends Module implements Layer {
    @Override
    public Tensor forward(Tensor x) {
        return x.gelu();
    }
}
