package org.ldm4j.unet;

import java.util.function.Supplier;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * Runs one block inside its own {@link MemoryScope}, keeping only its output, so that a block's intermediate
 * activations are freed as soon as the output exists. Only for inference (no graph): with gradients on, the
 * intermediates belong to the graph.
 */
final class Scoped {
    private Scoped() {
    }

    /** {@code block.get()}, freeing everything it allocated except the result. */
    static Tensor run(Supplier<Tensor> block) {
        try (MemoryScope scope = MemoryScope.open()) {
            return scope.keep(block.get());
        }
    }
}
