package org.ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * The presets: their values, their arithmetic parameter counts (SD 1.x: 859,520,964), the arithmetic count against
 * built models over many small configs, and a built preset that runs. Building Stable Diffusion itself (3.4 GB)
 * is left to {@code Sd15BuildCheck}, outside the suite.
 */
class PresetsTest {
    static Map<String, UNetConfig> presets() {
        Map<String, UNetConfig> m = new LinkedHashMap<>();
        m.put("celebahqLdmVq4", UNetConfig.celebahqLdmVq4());
        m.put("cinLdmVqF8", UNetConfig.cinLdmVqF8());
        m.put("cin256V2", UNetConfig.cin256V2());
        m.put("txt2imgLdmKl8", UNetConfig.txt2imgLdmKl8());
        m.put("lsunChurchesLdmKl8", UNetConfig.lsunChurchesLdmKl8());
        m.put("inpaintingLdmVq4", UNetConfig.inpaintingLdmVq4());
        m.put("sd15", UNetConfig.sd15());
        return m;
    }

    @Test
    void stableDiffusionHasItsParameterCount() {
        assertEquals(859_520_964L, UNetConfig.sd15().parameterCount());
    }

    @Test
    void presetsReportTheirParameterCounts() {
        presets().forEach((name, c) -> {
            long n = c.parameterCount();
            System.out.printf("%-20s %,15d parameters%n", name, n);
            assertTrue(n > 50_000_000L, name);
        });
        UNetConfig sd = UNetConfig.sd15();
        assertEquals(List.of(1, 2, 4, 4), sd.channelMult());
        assertEquals(List.of(4, 2, 1), sd.attentionResolutions());
        assertEquals(768, sd.contextDim());
        assertEquals(1280, UNetConfig.txt2imgLdmKl8().contextDim());
        assertEquals(512, UNetConfig.cinLdmVqF8().contextDim());
        assertEquals(0, UNetConfig.cinLdmVqF8().numClasses());          // the class enters through cross-attention
        assertEquals(1000, UNetConfig.IMAGENET_CLASSES);
        assertTrue(UNetConfig.celebahqLdmVq4().legacy());
        assertEquals(7, UNetConfig.inpaintingLdmVq4().inChannels());
    }

    /** The arithmetic count equals the built model's over the presets' structures at small widths. */
    @Test
    void arithmeticCountMatchesBuiltModels() {
        for (UNetConfig preset : presets().values()) {
            UNetConfig small = shrink(preset);
            UNetModel m = new UNetModel(small, new Rng(0));
            assertEquals(m.parameterCount(), small.parameterCount(), small.toString());
        }
        UNetConfig base = Tiny.configA();
        List<UNetConfig> variants = List.of(base.toBuilder().numClasses(7).build(),
                base.toBuilder().useScaleShiftNorm(true).resblockUpdown(true).transformerDepth(2).build(),
                base.toBuilder().convResample(false).numResBlocks(2).channelMult(1, 1, 2).attentionResolutions(1, 4)
                        .build(),
                base.toBuilder().useSpatialTransformer(false).contextDim(0).numHeadChannels(-1).numHeads(2)
                        .numHeadsUpsample(4).build(),
                base.toBuilder().modelChannels(64).numHeadChannels(48).legacy(true).build());
        for (UNetConfig c : variants) {
            assertEquals(new UNetModel(c, new Rng(0)).parameterCount(), c.parameterCount(), c.toString());
        }
    }

    /** The preset's structure at 32 base channels and a small context. */
    private static UNetConfig shrink(UNetConfig c) {
        UNetConfigBuilder b = c.toBuilder().modelChannels(32);
        if (c.numHeadChannels() != -1) {
            b.numHeadChannels(16);
        }
        if (c.useSpatialTransformer()) {
            b.contextDim(16);
        }
        if (c.numHeads() > 0 && !c.useSpatialTransformer()) {
            b.numHeads(2);
        }
        return b.build();
    }

    @Test
    void aBuiltPresetRunsAndLoadsItsOwnStateDict() {
        UNetConfig celeba = UNetConfig.celebahqLdmVq4();
        long start = System.nanoTime();
        UNetModel unet = new UNetModel(celeba, new Rng(0));
        double buildSeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("celebahqLdmVq4: built %,d parameters in %.1f s%n", unet.parameterCount(), buildSeconds);
        assertEquals(celeba.parameterCount(), unet.parameterCount());
        Map<String, Tensor> copy = new LinkedHashMap<>();
        unet.stateDict().forEach((k, v) -> copy.put(k, v.copy()));
        assertTrue(unet.load(copy).isClean());
        unet.eval();
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor z = new Rng(2).normal(1, 3, 8, 8);
            Tensor eps = unet.forward(z, Tensor.of(new long[] {500}, 1));
            assertEquals(List.of(1L, 3L, 8L, 8L), List.of(eps.shape()[0], eps.shape()[1], eps.shape()[2],
                    eps.shape()[3]));
            // zero-initialised out.2, as the reference's zero_module: a fresh model predicts zero
            assertEquals(0.0, Tiny.absMax(eps));
        }
    }
}
