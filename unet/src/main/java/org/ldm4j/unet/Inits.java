package org.ldm4j.unet;

import org.ldm4j.core.nn.Module;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** The reference's {@code zero_module}: layers whose output starts at zero, so that every residual branch does. */
final class Inits {
    private Inits() {
    }

    /** Sets every parameter of {@code m} to zero; returns {@code m}. */
    static <M extends Module> M zero(M m) {
        try (MemoryScope s = MemoryScope.open()) {
            for (Tensor p : m.parameters()) {
                p.assign(p.zerosLike());
            }
        }
        return m;
    }
}
