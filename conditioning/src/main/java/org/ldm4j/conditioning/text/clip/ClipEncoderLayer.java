package org.ldm4j.conditioning.text.clip;

import org.ldm4j.core.nn.LayerNorm;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * huggingface's {@code CLIPEncoderLayer}, a pre-norm transformer block:
 * <pre>
 *   x = x + self_attn(layer_norm1(x), causal mask)
 *   x = x + mlp(layer_norm2(x))
 * </pre>
 * Keys: {@code self_attn.*}, {@code layer_norm1.*}, {@code mlp.*}, {@code layer_norm2.*}.
 *
 * <pre>{@code
 * ClipEncoderLayer layer = new ClipEncoderLayer(ClipTextConfig.vitL14(), rng);
 * Tensor h = layer.forward(x, mask);        // [B, 77, 768] -> [B, 77, 768]
 * }</pre>
 */
final class ClipEncoderLayer extends Module {
    private final ClipAttention selfAttn;
    private final LayerNorm layerNorm1;
    private final ClipMlp mlp;
    private final LayerNorm layerNorm2;

    ClipEncoderLayer(ClipTextConfig c, Rng rng) {
        selfAttn = register("self_attn", new ClipAttention(c.width(), c.heads(), rng));
        layerNorm1 = register("layer_norm1", new LayerNorm(c.width(), c.layerNormEps(), true));
        mlp = register("mlp", new ClipMlp(c.width(), c.intermediate(), c.activation(), rng));
        layerNorm2 = register("layer_norm2", new LayerNorm(c.width(), c.layerNormEps(), true));
    }

    /** x [B, N, W], mask [N, N] -> [B, N, W]. */
    Tensor forward(Tensor x, Tensor mask) {
        Tensor h = x.add(selfAttn.forward(layerNorm1.forward(x), mask));
        return h.add(mlp.forward(layerNorm2.forward(h)));
    }
}
