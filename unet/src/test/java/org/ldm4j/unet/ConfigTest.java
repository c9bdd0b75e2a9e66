package org.ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** UNetConfig's validation: the reference's assertions and what would fail later, with messages that say what to do. */
class ConfigTest {

    private static String rejected(UnaryOperator<UNetConfigBuilder> change) {
        return assertThrows(IllegalArgumentException.class, () -> change.apply(Tiny.configA().toBuilder()).build())
                .getMessage();
    }

    @Test
    void rejectsInvalidConfigs() {
        assertTrue(rejected(b -> b.modelChannels(48)).startsWith("modelChannels: expected a multiple of 32"));
        assertTrue(rejected(b -> b.channelMult()).startsWith("channelMult: expected at least one level"));
        assertTrue(rejected(b -> b.channelMult(2, 4)).startsWith("channelMult: expected 1 as the first multiplier"));
        assertTrue(rejected(b -> b.channelMult(1, 0)).startsWith("channelMult: expected positive multipliers"));
        assertTrue(rejected(b -> b.numResBlocks(0)).startsWith("numResBlocks"));
        assertTrue(rejected(b -> b.attentionResolutions(0)).startsWith("attentionResolutions"));
        assertTrue(rejected(b -> b.dropout(1.0)).startsWith("dropout"));
        assertTrue(rejected(b -> b.numClasses(-1)).startsWith("numClasses"));
        assertTrue(rejected(b -> b.numHeadChannels(-1)).startsWith("numHeads: set numHeads or numHeadChannels"));
        assertTrue(rejected(b -> b.numHeads(0)).startsWith("numHeads: expected -1 (unset) or a positive value"));
        assertTrue(rejected(b -> b.contextDim(0)).startsWith("contextDim: the spatial transformer needs"));
        assertTrue(rejected(b -> b.useSpatialTransformer(false)).startsWith("contextDim: cross-attention needs"));
        assertTrue(rejected(b -> b.transformerDepth(0)).startsWith("transformerDepth"));
        assertTrue(rejected(b -> b.inChannels(0)).startsWith("inChannels"));
        // legacy attention blocks need a head width that divides the channels (the reference asserts it)
        String heads = rejected(b -> b.useSpatialTransformer(false).contextDim(0).numHeadChannels(24));
        assertTrue(heads.startsWith("numHeads: 64 channels do not split into heads"), heads);
    }

    @Test
    void derivedValues() {
        UNetConfig sd = UNetConfig.sd15();
        assertEquals(1280, sd.timeEmbedDim());
        assertEquals(4, sd.numLevels());
        assertEquals(8, sd.downsamplingFactor());
        assertEquals(1280, sd.channels(3));
        assertTrue(sd.attentionAt(4));
        assertTrue(!sd.attentionAt(8));
        assertEquals(sd, sd.toBuilder().build());
        assertTrue(!sd.isClassConditional());
        // factors the U-Net never reaches are accepted and ignored, as in models/ldm/semantic_synthesis256
        UNetConfig unreached = Tiny.configA().toBuilder().attentionResolutions(2, 32).build();
        assertEquals(Tiny.configA().parameterCount(), unreached.parameterCount());
    }
}
