package org.ldm4j.autoencoder;

import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * Runs one block of a network; without gradient recording it runs inside its own {@link MemoryScope}, so that a
 * block's intermediate activations are freed as soon as its output exists (a 512x512 decode of SD's VAE would
 * otherwise hold every activation of the pass until the caller's scope closes). With gradients on, the
 * intermediates are part of the graph and stay with the caller's scope.
 */
final class Scoped {
    private Scoped() {
    }

    /** {@code block.forward(x)}, freeing the block's intermediates when no graph is recorded. */
    static Tensor run(Layer block, Tensor x) {
        if (GradMode.isEnabled()) {
            return block.forward(x);
        }
        try (MemoryScope scope = MemoryScope.open()) {
            return scope.keep(block.forward(x));
        }
    }
}
