package org.ldm4j.core.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.Attention;
import org.ldm4j.core.backend.Backend;
import org.ldm4j.core.random.Rng;

/** A forward pass with gradients on whose graph is never walked (evaluation, a skipped GAN step) frees its scope. */
class UnwalkedGraphTest {

    @Test
    void savedArraysOfAnUnwalkedGraphAreFreedWithTheScope() {
        assumeTrue(Backend.returnsFreedMemoryPromptly(), "needs an allocator that returns memory at once");
        Rng rng = new Rng(1);
        Tensor q = rng.normal(8, 512, 32).requiresGrad(true);     // saves 8 MB of probabilities per call
        long before = 0;
        for (int i = 0; i < 120; i++) {
            try (MemoryScope s = MemoryScope.open()) {
                Attention.scaledDotProduct(q, q, q, null, 0.2).sum().item();
            }
            if (i == 19) {
                before = Pointer.physicalBytes();
            }
        }
        long growth = Pointer.physicalBytes() - before;
        assertTrue(growth < 200L << 20, "resident memory grew by " + (growth >> 20) + " MB over 100 unwalked graphs");
    }
}
