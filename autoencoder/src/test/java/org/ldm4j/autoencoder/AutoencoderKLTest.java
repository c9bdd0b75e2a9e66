package org.ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.nn.LoadReport;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** AutoencoderKL's interface: loading errors, argument checks, FirstStage, training gradients, memory. */
class AutoencoderKLTest {
    private static AutoencoderKL tiny(long seed) {
        return new AutoencoderKL(VaeParityTest.tinyConfig(), new Rng(seed));
    }

    private static Map<String, Tensor> copyOf(Map<String, Tensor> sd) {
        return new LinkedHashMap<>(sd);
    }

    @Test
    void wrongShapeNamesTheKeyAndBothShapes() {
        AutoencoderKL vae = tiny(0);
        Map<String, Tensor> sd = copyOf(tiny(1).stateDict());
        sd.put("encoder.conv_in.weight", Tensor.zeros(32, 4, 3, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vae.load(sd));
        assertTrue(e.getMessage().contains("encoder.conv_in.weight: expected [32, 3, 3, 3], got [32, 4, 3, 3]"),
                e.getMessage());
        LoadReport lenient = vae.load(sd, false);
        assertEquals(1, lenient.shapeMismatches().size());
        assertEquals("encoder.conv_in.weight", lenient.shapeMismatches().get(0).key());
    }

    @Test
    void missingAndUnexpectedKeysAreNamed() {
        AutoencoderKL vae = tiny(0);
        Map<String, Tensor> sd = copyOf(tiny(1).stateDict());
        sd.remove("decoder.conv_out.bias");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vae.load(sd));
        assertTrue(e.getMessage().contains("missing keys [decoder.conv_out.bias]"), e.getMessage());

        Map<String, Tensor> withLoss = copyOf(tiny(1).stateDict());
        withLoss.put("loss.logvar", Tensor.zeros(1));
        e = assertThrows(IllegalArgumentException.class, () -> vae.load(withLoss));
        assertTrue(e.getMessage().contains("unexpected keys [loss.logvar]"), e.getMessage());
        assertTrue(vae.loadWithoutLoss(withLoss).isClean());
        assertEquals(0, vae.stateDict().get("quant_conv.weight").maxAbsDiff(withLoss.get("quant_conv.weight")));
    }

    @Test
    void entryPointsCheckShapes() {
        AutoencoderKL vae = tiny(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> vae.encode(Tensor.zeros(1, 4, 16, 16)));
        assertEquals("x: expected 3 channels (dim 1), got 4 in [1, 4, 16, 16]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> vae.encode(Tensor.zeros(1, 3, 15, 16)));
        assertTrue(e.getMessage().contains("divisible by the downsampling factor 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> vae.decode(Tensor.zeros(1, 3, 8, 8)));
        assertEquals("z: expected 4 latent channels (dim 1), got 3 in [1, 3, 8, 8]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> vae.encode(Tensor.zeros(3, 16, 16)));
        assertTrue(e.getMessage().startsWith("x: expected rank 4"), e.getMessage());
    }

    @Test
    void firstStageLatents() {
        AutoencoderKL vae = tiny(2);
        FirstStage stage = vae;
        assertEquals(4, stage.latentChannels());
        assertEquals(2, stage.downsamplingFactor());
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor x = new Rng(3).uniform(DType.FLOAT32, -1, 1, 2, 3, 16, 16);
            DiagonalGaussian post = vae.encode(x);
            assertEquals(0, stage.encodeToLatent(x).maxAbsDiff(post.mean()));
            Tensor sampled = stage.encodeToLatent(x, new Rng(4));
            assertEquals(0, sampled.maxAbsDiff(post.sample(new Rng(4))));
            assertTrue(sampled.maxAbsDiff(post.mean()) > 0);
            assertArrayEquals(new long[] {2, 3, 16, 16}, stage.decode(sampled).shape());
            AutoencoderKL.Output det = vae.forward(x, null, false);
            assertEquals(0, det.reconstruction().maxAbsDiff(vae.decode(post.mean())));
        }
    }

    @Test
    void trainingStepReachesEveryParameter() {
        AutoencoderKL vae = tiny(5);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = new Rng(6).uniform(DType.FLOAT32, -1, 1, 1, 3, 16, 16);
            AutoencoderKL.Output out = vae.forward(x, new Rng(7), true);
            out.reconstruction().sub(x).abs().mean().add(out.posterior().kl().mean().mul(1e-6)).backward();
            vae.namedParameters().forEach((k, p) -> assertNotNull(p.grad(), k + " got no gradient"));
            assertTrue(vae.lastLayerWeight() == vae.namedParameters().get("decoder.conv_out.weight"));
        }
    }

    @Test
    void inferenceFreesEachBlocksIntermediates() {
        AutoencoderKL vae = tiny(8);
        Tensor z = new Rng(9).normal(1, 4, 8, 8);
        int withGraph;
        try (MemoryScope s = MemoryScope.open()) {
            vae.decode(z);
            withGraph = s.trackedCount();
        }
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor img = vae.decode(z);
            assertArrayEquals(new long[] {1, 3, 16, 16}, img.shape());
            assertTrue(s.trackedCount() < withGraph / 3, "kept " + s.trackedCount() + " arrays, vs " + withGraph
                    + " when recording the graph");
        }
    }
}
