package org.ldm4j.core.nn;

import org.ldm4j.core.tensor.Tensor;

/**
 * A module with one input and one output, so that {@link Sequential} can chain it. Implementations check the
 * input's shape at entry.
 *
 * <pre>{@code
 * Layer proj = new Linear(128, 128, true, rng);
 * Tensor y = proj.forward(x);        // [..., 128] -> [..., 128]
 * }</pre>
 */
@FunctionalInterface
public interface Layer {
    /** Applies the layer to {@code x}. */
    Tensor forward(Tensor x);
}
