package org.ldm4j.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.Convolutions;
import org.ldm4j.core.autograd.Normalizations;
import org.ldm4j.core.random.Rng;

class MemoryScopeTest {

    @Test
    void tensorsCreatedInAScopeAreReleasedAtItsEnd() {
        Tensor outside = Tensor.ones(3);
        Tensor inside;
        Tensor kept;
        try (MemoryScope scope = MemoryScope.open()) {
            inside = outside.mul(2.0);
            kept = scope.keep(inside.add(1.0));
            assertTrue(scope.trackedBytes() >= 2 * 3 * 4);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, inside::toFloatArray);
        assertTrue(e.getMessage().contains("was released"), e.getMessage());
        assertArrayEquals(new float[] {3, 3, 3}, kept.toFloatArray());
        assertArrayEquals(new float[] {1, 1, 1}, outside.toFloatArray());
    }

    @Test
    void viewsOfOuterTensorsNeverFreeTheirMemory() {
        Tensor param = Tensor.ones(2, 3).requiresGrad(true);
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor v = param.reshape(3, 2).transpose(0, 1).slice(0, 0, 1).detach();
            scope.keep(v);                           // keeping a view keeps a copy, never the owner
            param.permute(1, 0).mul(2.0).sum().backward();
        }
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, param.toFloatArray());
        assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2}, param.grad().toFloatArray());
    }

    @Test
    void keepMovesATensorToTheEnclosingScope() {
        Tensor survivor;
        try (MemoryScope outer = MemoryScope.open()) {
            Tensor mid;
            try (MemoryScope inner = MemoryScope.open()) {
                mid = inner.keep(Tensor.ones(2).mul(5.0));
            }
            assertArrayEquals(new float[] {5, 5}, mid.toFloatArray());
            survivor = mid;
        }
        assertThrows(IllegalStateException.class, survivor::toFloatArray);
    }

    @Test
    void scopesMustCloseInnermostFirst() {
        MemoryScope outer = MemoryScope.open();
        MemoryScope inner = MemoryScope.open();
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        outer.close();
    }

    /**
     * A training step's memory stays flat: 500 steps of a small conv net, each allocating about 12 MB of
     * activations and gradients, must not grow the process (a leak would add ~5 GB).
     */
    @Test
    void aTrainingLoopsMemoryStaysFlat() {
        Rng rng = new Rng(2);
        Tensor w1 = rng.normal(16, 16, 3, 3).mul(0.1).detach().requiresGrad(true);
        Tensor w2 = rng.normal(16, 16, 3, 3).mul(0.1).detach().requiresGrad(true);
        Tensor x = rng.normal(8, 16, 32, 32);
        long rssAfterWarmup = 0;
        for (int step = 0; step < 500; step++) {
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor h = Convolutions.conv2d(x, w1, null, 1, 1);
                h = Normalizations.groupNorm(h, 4, null, null, 1e-5).silu();
                Tensor loss = Convolutions.conv2d(h, w2, null, 1, 1).square().mean();
                loss.backward();
                w1.array().subi(w1.grad().array().mul(1e-3));
                w2.array().subi(w2.grad().array().mul(1e-3));
                w1.zeroGrad();
                w2.zeroGrad();
            }
            if (step == 100) {
                rssAfterWarmup = Pointer.physicalBytes();
            }
        }
        long growth = Pointer.physicalBytes() - rssAfterWarmup;
        assertTrue(growth < 1_000_000_000L, "resident memory grew by " + growth / (1 << 20) + " MB over 400 steps");
        assertEquals(2, w1.rank() / 2);
    }
}
