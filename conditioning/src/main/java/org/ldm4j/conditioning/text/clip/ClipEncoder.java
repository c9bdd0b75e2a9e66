package org.ldm4j.conditioning.text.clip;

import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.ModuleList;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * huggingface's {@code CLIPEncoder}: the layers in order. Keys: {@code layers.{i}.*}.
 *
 * <pre>{@code
 * ClipEncoder encoder = new ClipEncoder(ClipTextConfig.vitL14(), rng);
 * Tensor h = encoder.forward(x, mask);      // [B, 77, 768] -> [B, 77, 768]
 * }</pre>
 */
final class ClipEncoder extends Module {
    private final ModuleList<ClipEncoderLayer> layers;

    ClipEncoder(ClipTextConfig c, Rng rng) {
        layers = register("layers", new ModuleList<>());
        for (int i = 0; i < c.layers(); i++) {
            layers.add(new ClipEncoderLayer(c, rng));
        }
    }

    /** x [B, N, W], mask [N, N] -> [B, N, W]. */
    Tensor forward(Tensor x, Tensor mask) {
        Tensor h = x;
        for (ClipEncoderLayer layer : layers) {
            h = layer.forward(h, mask);
        }
        return h;
    }
}
