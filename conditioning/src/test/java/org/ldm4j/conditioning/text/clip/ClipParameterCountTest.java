package org.ldm4j.conditioning.text.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/** The ViT-L/14 text tower has 123,060,480 parameters, by arithmetic and by building it. */
class ClipParameterCountTest {

    @Test
    void vitL14CountsArithmetically() {
        ClipTextConfig c = ClipTextConfig.vitL14();
        long tokens = 49408L * 768;                               // 37,945,344
        long positions = 77L * 768;                               // 59,136
        long attention = 4 * (768L * 768 + 768);                  // q, k, v, out: 2,362,368
        long norms = 2 * 2 * 768L;                                // layer_norm1, layer_norm2
        long mlp = (768L * 3072 + 3072) + (3072L * 768 + 768);    // fc1, fc2: 4,722,432
        long perLayer = attention + norms + mlp;                  // 7,087,872
        assertEquals(7_087_872L, perLayer);
        assertEquals(123_060_480L, tokens + positions + 12 * perLayer + 2 * 768L);
        assertEquals(123_060_480L, c.parameterCount());
        assertEquals(64, c.headDim());
    }

    @Test
    void vitL14CountsWhenBuilt() {
        long t0 = System.nanoTime();
        FrozenClipEmbedder clip = new FrozenClipEmbedder(ClipTextConfig.vitL14(),
                org.ldm4j.conditioning.text.EmptyPrompt.clip(), new Rng(0));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(123_060_480L, clip.parameterCount());
        Map<String, Tensor> sd = clip.stateDict();
        assertEquals(2 + 12 * 16 + 2, sd.size());
        assertArrayEquals(new long[] {49408, 768},
                sd.get("transformer.text_model.embeddings.token_embedding.weight").shape());
        assertArrayEquals(new long[] {3072, 768},
                sd.get("transformer.text_model.encoder.layers.11.mlp.fc1.weight").shape());
        System.out.printf("ViT-L/14 text transformer built in %.1f s%n", seconds);
    }
}
