package org.ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.nn.LoadReport;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.Fixtures;

/** Loading reference state dicts: full checkpoints by prefix, and errors that name the keys and shapes. */
class LoadTest {
    private static final StateDict WEIGHTS = Fixtures.parity("unet_tiny.safetensors");

    @Test
    void loadsTheUNetPartOfAFullCheckpoint() {
        StateDict full = WEIGHTS.withPrefix(UNetModel.CHECKPOINT_PREFIX);
        UNetModel unet = new UNetModel(Tiny.configA(), new Rng(0));
        LoadReport r = unet.load(full.stripPrefix(UNetModel.CHECKPOINT_PREFIX).tensors());
        assertTrue(r.isClean());
        assertEquals(208, r.loadedKeys().size());
        assertEquals(0.0, unet.stateDict().get("out.2.bias").maxAbsDiff(WEIGHTS.get("out.2.bias")));
    }

    @Test
    void aWrongShapeNamesTheKeyAndBothShapes() {
        UNetModel unet = new UNetModel(Tiny.configA(), new Rng(0));
        Map<String, Tensor> sd = new LinkedHashMap<>(WEIGHTS.tensors());
        try (MemoryScope s = MemoryScope.open()) {
            sd.put("middle_block.1.transformer_blocks.0.attn2.to_k.weight", Tensor.zeros(64, 768));
            String msg = assertThrows(IllegalArgumentException.class, () -> unet.load(sd)).getMessage();
            assertTrue(msg.contains("middle_block.1.transformer_blocks.0.attn2.to_k.weight: expected [64, 32], got "
                    + "[64, 768]"), msg);
            // strict: nothing was copied
            assertTrue(unet.stateDict().get("out.2.weight").maxAbsDiff(WEIGHTS.get("out.2.weight")) > 0);
        }
    }

    @Test
    void missingAndUnexpectedKeysAreNamed() {
        UNetModel unet = new UNetModel(Tiny.configA(), new Rng(0));
        Map<String, Tensor> sd = new LinkedHashMap<>(WEIGHTS.tensors());
        Tensor w = sd.remove("input_blocks.1.0.in_layers.0.weight");
        sd.put("input_blocks.1.0.in_layers.1.weight", w);                       // a misnamed key
        String msg = assertThrows(IllegalArgumentException.class, () -> unet.load(sd)).getMessage();
        assertTrue(msg.contains("missing keys [input_blocks.1.0.in_layers.0.weight]"), msg);
        assertTrue(msg.contains("unexpected keys [input_blocks.1.0.in_layers.1.weight]"), msg);
        LoadReport lenient = unet.load(sd, false);
        assertEquals(List.of("input_blocks.1.0.in_layers.0.weight"), lenient.missingKeys());
        assertEquals(207, lenient.loadedKeys().size());
    }

    @Test
    void aStateDictOfAnotherConfigIsRejected() {
        UNetModel classCond = new UNetModel(Tiny.configA().toBuilder().numClasses(4).build(), new Rng(0));
        String msg = assertThrows(IllegalArgumentException.class, () -> classCond.load(WEIGHTS.tensors()))
                .getMessage();
        assertTrue(msg.contains("missing keys [label_emb.weight]"), msg);
    }
}
