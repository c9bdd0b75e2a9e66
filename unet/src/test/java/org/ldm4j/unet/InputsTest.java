package org.ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** The shape checks at UNetModel's entry point say what was expected and what came. */
class InputsTest {
    private static final UNetModel UNET = new UNetModel(Tiny.configA(), new Rng(0));

    private static String message(Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }

    @Test
    void rejectsBadArguments() {
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = Tensor.zeros(2, 4, 8, 8);
            Tensor t = Tensor.of(new float[] {1, 2}, 2);
            Tensor c = Tensor.zeros(2, 5, 32);
            String m = message(() -> UNET.forward(Tensor.zeros(2, 3, 8, 8), t, c));
            assertTrue(m.equals("x: expected 4 channels (dim 1), got 3 in [2, 3, 8, 8]"), m);
            m = message(() -> UNET.forward(Tensor.zeros(2, 4, 7, 8), t, c));
            assertTrue(m.startsWith("x: expected a height and width divisible by 2"), m);
            m = message(() -> UNET.forward(x, Tensor.of(new float[] {1}, 1), c));
            assertTrue(m.equals("timesteps: expected shape [2], got [1]"), m);
            m = message(() -> UNET.forward(x, t, null));
            assertTrue(m.startsWith("context: expected [2, M, 32] for the cross-attention, got null"), m);
            m = message(() -> UNET.forward(x, t, Tensor.zeros(2, 5, 16)));
            assertTrue(m.equals("context: expected 32 features (dim 2), got 16 in [2, 5, 16]"), m);
            m = message(() -> UNET.forward(x.to(DType.FLOAT64), t, c));
            assertTrue(m.startsWith("x: expected FLOAT32 like the model's parameters, got FLOAT64"), m);
            UNetModel uncond = new UNetModel(UNetConfig.builder().modelChannels(32).channelMult(1).numResBlocks(1)
                    .numHeads(1).build(), new Rng(0));
            m = message(() -> uncond.forward(x, t, c));
            assertTrue(m.startsWith("context: this U-Net has no cross-attention"), m);
        }
    }
}
