package org.ldm4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.optim.AdamW;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** The README's "Using core" example, as written there, trains and saves. */
class ReadmeExampleTest {

    @Test
    void theReadmeExampleTrainsAndSaves(@TempDir Path dir) throws Exception {
        Rng rng = new Rng(42);
        Conv2d conv = new Conv2d(3, 64, 3, 1, 1, true, rng);
        AdamW opt = AdamW.create(conv.namedParameters());
        Tensor x = rng.normal(8, 3, 32, 32);
        double first = 0;
        double last = 0;
        for (int step = 0; step < 100; step++) {
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor loss = conv.forward(x).silu().square().mean();
                opt.zeroGrad();
                loss.backward();
                opt.step();
                last = loss.item();
                if (step == 0) {
                    first = last;
                }
            }
        }
        assertTrue(last < first / 2, "loss " + first + " -> " + last);
        Path file = dir.resolve("conv.safetensors");
        SafeTensors.write(file, conv.stateDict());
        StateDict back = SafeTensors.read(file);
        assertEquals(0, back.get("weight").maxAbsDiff(conv.stateDict().get("weight")));
    }
}
