package org.ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * Builds Stable Diffusion 1.x's U-Net (859,520,964 parameters, 3.4 GB) and runs it once on a small latent. Not part
 * of the suite (the name does not end in Test): run it with
 * {@code mvn -o test -pl unet -Dtest=Sd15BuildCheck -Dldm4j.test.jvm="-Xmx2g -Dorg.bytedeco.javacpp.maxbytes=8G
 * -Dorg.bytedeco.javacpp.maxphysicalbytes=12G"}.
 */
class Sd15BuildCheck {
    @Test
    void buildsAndCountsStableDiffusion() {
        long start = System.nanoTime();
        UNetModel sd = new UNetModel(UNetConfig.sd15(), new Rng(0));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("sd15: built %,d parameters (%d tensors) in %.1f s%n", sd.parameterCount(),
                sd.stateDict().size(), seconds);
        assertEquals(859_520_964L, sd.parameterCount());
        sd.eval();
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            long t0 = System.nanoTime();
            Tensor eps = sd.forward(new Rng(1).normal(1, 4, 16, 16), Tensor.of(new long[] {500}, 1),
                    new Rng(2).normal(1, 77, 768));
            System.out.printf("sd15: forward [1,4,16,16] in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            assertEquals(4, eps.size(1));
        }
    }
}
