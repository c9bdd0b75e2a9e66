package org.ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** Inference frees every intermediate (per-block scopes, skips freed once used); dropout follows train/eval. */
class InferenceMemoryTest {

    @Test
    void inferenceLeavesOnlyTheOutputInTheCallersScope() {
        UNetModel unet = new UNetModel(Tiny.configA(), new Rng(0));
        Tiny.randomize(unet, 41);
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor x = new Rng(42).normal(2, 4, 16, 16);
            Tensor t = Tensor.of(new float[] {10, 900}, 2);
            Tensor context = new Rng(43).normal(2, 5, 32);
            long bytes = s.trackedBytes();
            int count = s.trackedCount();
            Tensor eps = unet.forward(x, t, context);
            assertEquals(count + 1, s.trackedCount(), "only the output may stay in the caller's scope");
            assertEquals(bytes + eps.numel() * 4, s.trackedBytes());
            // with a tracer every activation stays (for comparison)
            Map<String, Tensor> seen = new LinkedHashMap<>();
            long before = s.trackedBytes();
            Tensor traced = unet.forward(x, t, context, null, seen::put);
            System.out.printf("inference: %,d bytes kept in the caller's scope; %,d with a tracer%n",
                    eps.numel() * 4, s.trackedBytes() - before);
            assertTrue(s.trackedBytes() - before > 20 * eps.numel() * 4);
            assertEquals(0.0, traced.maxAbsDiff(eps));
            assertTrue(seen.containsKey("output_blocks.1.2") && seen.containsKey("out"), seen.keySet().toString());
        }
    }

    @Test
    void dropoutIsActiveOnlyInTraining() {
        UNetConfig c = Tiny.configA().toBuilder().dropout(0.5).build();
        UNetModel unet = new UNetModel(c, new Rng(0));
        Tiny.randomize(unet, 44);
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor x = new Rng(45).normal(1, 4, 8, 8);
            Tensor t = Tensor.of(new float[] {100}, 1);
            Tensor context = new Rng(46).normal(1, 5, 32);
            unet.train();
            Tensor a = unet.forward(x, t, context);
            Tensor b = unet.forward(x, t, context);
            assertTrue(a.maxAbsDiff(b) > 1e-3, "training mode draws new dropout masks");
            unet.eval();
            assertEquals(0.0, unet.forward(x, t, context).maxAbsDiff(unet.forward(x, t, context)));
        }
    }
}
