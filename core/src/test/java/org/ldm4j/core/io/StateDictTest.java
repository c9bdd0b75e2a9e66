package org.ldm4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.tensor.Tensor;

class StateDictTest {
    @TempDir
    Path dir;

    private static StateDict checkpoint() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("model.diffusion_model.out.2.weight", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        m.put("model.diffusion_model.out.2.bias", Tensor.of(new float[] {7, 8}, 2));
        m.put("first_stage_model.decoder.conv_out.bias", Tensor.of(new float[] {9}, 1));
        m.put("model.diffusion_model_ema.decay", Tensor.of(new float[] {0.999f}));
        return new StateDict(m, Map.of("format", "pt"));
    }

    @Test
    void stripPrefixKeepsOnlyThatPartInOrder() {
        StateDict ckpt = checkpoint();
        StateDict unet = ckpt.stripPrefix("model.diffusion_model.");
        // "model.diffusion_model_ema.decay" does not have the prefix (the dot matters)
        assertEquals(List.of("out.2.weight", "out.2.bias"), List.copyOf(unet.names()));
        assertSame(ckpt.get("model.diffusion_model.out.2.bias"), unet.get("out.2.bias"));
        assertEquals(Map.of("format", "pt"), unet.metadata());
        assertEquals(0, checkpoint().stripPrefix("cond_stage_model.").size());
    }

    @Test
    void withPrefixUndoesStripPrefixAndSharesTheTensors() {
        StateDict ckpt = checkpoint();
        StateDict vae = ckpt.stripPrefix("first_stage_model.");
        StateDict again = vae.withPrefix("first_stage_model.");
        assertEquals(List.of("first_stage_model.decoder.conv_out.bias"), List.copyOf(again.names()));
        assertSame(ckpt.get("first_stage_model.decoder.conv_out.bias"),
                again.get("first_stage_model.decoder.conv_out.bias"));
    }

    @Test
    void numelCountsEveryElement() {
        assertEquals(6 + 2 + 1 + 1, checkpoint().numel());
    }

    @Test
    void aMissingNameIsAnErrorThatSuggestsTheClosestKeys() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> checkpoint().get("model.diffusion_model.out.0.weight"));
        assertTrue(e.getMessage().contains("no tensor 'model.diffusion_model.out.0.weight' among 4 tensors"),
                e.getMessage());
        assertTrue(e.getMessage().contains("closest: model.diffusion_model.out.2.weight, "
                + "model.diffusion_model.out.2.bias"), e.getMessage());
    }

    @Test
    void isImmutable() {
        StateDict sd = checkpoint();
        assertThrows(UnsupportedOperationException.class,
                () -> sd.tensors().remove("model.diffusion_model.out.2.bias"));
        assertThrows(UnsupportedOperationException.class, () -> sd.metadata().put("k", "v"));
        Map<String, Tensor> source = new LinkedHashMap<>();
        source.put("a", Tensor.of(new float[] {1}, 1));
        StateDict copy = new StateDict(source);
        source.put("b", Tensor.of(new float[] {2}, 1));
        assertEquals(1, copy.size(), "the constructor copies the map");
    }

    @Test
    void writeAndReadRoundTripWithMetadata() throws IOException {
        Path f = dir.resolve("ckpt.safetensors");
        checkpoint().withMetadata(Map.of("epoch", "3")).write(f);
        StateDict back = StateDict.read(f);
        assertEquals(Map.of("epoch", "3"), back.metadata());
        assertEquals(4, back.size());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6},
                back.get("model.diffusion_model.out.2.weight").toFloatArray());
        assertArrayEquals(new long[] {2, 3}, back.get("model.diffusion_model.out.2.weight").shape());
        assertEquals(0.999f, (float) back.get("model.diffusion_model_ema.decay").item());
    }
}
