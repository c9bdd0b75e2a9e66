package org.ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;

/** The presets build, their parameter counts are right, and bad configurations are rejected. */
class PresetsTest {

    static Map<String, AutoencoderConfig> presets() {
        Map<String, AutoencoderConfig> p = new LinkedHashMap<>();
        p.put("kl-f4", AutoencoderConfig.klF4());
        p.put("kl-f8", AutoencoderConfig.klF8());
        p.put("kl-f16", AutoencoderConfig.klF16());
        p.put("kl-f32", AutoencoderConfig.klF32());
        p.put("vq-f4", AutoencoderConfig.vqF4());
        p.put("vq-f8", AutoencoderConfig.vqF8());
        p.put("vq-f16", AutoencoderConfig.vqF16());
        p.put("sd-vae-f8", AutoencoderConfig.sdVaeF8());
        return p;
    }

    @Test
    void stableDiffusionVaeHasTheKnownParameterCount() {
        long t0 = System.nanoTime();
        AutoencoderKL sd = new AutoencoderKL(AutoencoderConfig.sdVaeF8(), new Rng(0));
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("built SD's VAE (%,d parameters) in %.2f s%n", sd.parameterCount(), seconds);
        assertEquals(83_653_863L, sd.parameterCount());
        assertEquals(83_653_863L, AutoencoderConfig.sdVaeF8().parameterCount());
        assertEquals(248, sd.stateDict().size());
    }

    @Test
    void everyPresetBuildsWithItsCountedParameters() {
        for (Map.Entry<String, AutoencoderConfig> e : presets().entrySet()) {
            AutoencoderConfig c = e.getValue();
            if (e.getKey().equals("sd-vae-f8")) {
                continue;                               // built by the test above
            }
            long t0 = System.nanoTime();
            Supplier<Module> build = () -> c.isVq() ? new VQModel(c, new Rng(1)) : new AutoencoderKL(c, new Rng(1));
            Module m = build.get();
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%-10s %,12d parameters, f=%d, latent %dx%d, built in %.2f s%n", e.getKey(),
                    m.parameterCount(), c.downsamplingFactor(), c.embedDim(), c.resolution() / c.downsamplingFactor(),
                    seconds);
            assertEquals(c.parameterCount(), m.parameterCount(), e.getKey());
        }
    }

    @Test
    void presetsCarryTheReferenceValues() {
        assertEquals(List.of(1, 2, 4), AutoencoderConfig.klF4().chMult());
        assertEquals(3, AutoencoderConfig.klF4().embedDim());
        assertEquals(List.of(16, 8), AutoencoderConfig.klF32().attnResolutions());
        assertEquals(64, AutoencoderConfig.klF32().zChannels());
        assertEquals(32, AutoencoderConfig.klF32().downsamplingFactor());
        assertEquals(8192, AutoencoderConfig.vqF4().nEmbed());
        assertEquals(List.of(1, 2, 2, 4), AutoencoderConfig.vqF8().chMult());
        assertEquals(List.of(32), AutoencoderConfig.vqF8().attnResolutions());
        assertEquals(8, AutoencoderConfig.vqF16().embedDim());
        for (AutoencoderConfig c : presets().values()) {
            assertEquals(128, c.ch());
            assertEquals(2, c.numResBlocks());
            assertEquals(256, c.resolution());
            assertEquals(c.isVq(), !c.doubleZ());
        }
    }

    @Test
    void badConfigurationsAreRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AutoencoderConfig(48, List.of(1, 2), 1, List.of(), 4, true, 0.0, 16, 3, 3, 4, 0));
        assertTrue(e.getMessage().startsWith("ch: expected a multiple of 32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new AutoencoderConfig(32, List.of(), 1, List.of(), 4, true, 0.0, 16, 3, 3, 4, 0));
        assertTrue(e.getMessage().startsWith("chMult:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new AutoencoderConfig(32, List.of(1, 2, 2), 1, List.of(), 4, true, 0.0, 18, 3, 3, 4, 0));
        assertTrue(e.getMessage().startsWith("resolution:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new AutoencoderConfig(32, List.of(1), 1, List.of(), 4, true, 1.0, 16, 3, 3, 4, 0));
        assertTrue(e.getMessage().startsWith("dropout:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AutoencoderKL(AutoencoderConfig.vqF4(), new Rng(0)));
        assertTrue(e.getMessage().contains("doubleZ"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new VQModel(AutoencoderConfig.klF4(), new Rng(0)));
        assertTrue(e.getMessage().contains("nEmbed"), e.getMessage());
    }
}
