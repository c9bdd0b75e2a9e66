package org.ldm4j.conditioning.text;

import org.ldm4j.core.nn.LayerNorm;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.ModuleList;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * x-transformers' {@code Encoder} ({@code AttentionLayers} with {@code causal=False}, {@code pre_norm=True}): the
 * layer types are {@code ('a', 'f') * depth}, each wrapped as {@code ModuleList([LayerNorm(D), block, Residual])},
 * so layer {@code 2i} is attention and {@code 2i+1} the feed-forward of pair {@code i}:
 * <pre>
 *   x = x + attn(norm(x))        layers.{2i}.0 (LayerNorm, eps 1e-5), layers.{2i}.1 (SelfAttention)
 *   x = x + ff(norm(x))          layers.{2i+1}.0, layers.{2i+1}.1 (FeedForward)
 * </pre>
 * The {@code Residual} has no parameters and no keys.
 *
 * <pre>{@code
 * AttentionLayers layers = new AttentionLayers(config, rng);
 * Tensor h = layers.forward(x);          // [B, N, D] -> [B, N, D]
 * }</pre>
 */
final class AttentionLayers extends Module {
    private final ModuleList<ModuleList<Module>> layers;

    AttentionLayers(TransformerEmbedderConfig c, Rng rng) {
        layers = register("layers", new ModuleList<>());
        for (int i = 0; i < c.nLayer(); i++) {
            ModuleList<Module> attn = new ModuleList<>();
            attn.add(new LayerNorm(c.nEmbed(), 1e-5, true));
            attn.add(new SelfAttention(c.nEmbed(), c.heads(), c.dimHead(), rng));
            layers.add(attn);
            ModuleList<Module> ff = new ModuleList<>();
            ff.add(new LayerNorm(c.nEmbed(), 1e-5, true));
            ff.add(new FeedForward(c.nEmbed(), c.ffMult(), rng));
            layers.add(ff);
        }
    }

    /** x [B, N, D] -> [B, N, D]. */
    Tensor forward(Tensor x) {
        Tensor h = x;
        for (ModuleList<Module> layer : layers) {
            Tensor normed = ((LayerNorm) layer.get(0)).forward(h);
            Module block = layer.get(1);
            Tensor out = block instanceof SelfAttention a ? a.forward(normed) : ((FeedForward) block).forward(normed);
            h = out.add(h);                                              // Residual: out + residual
        }
        return h;
    }
}
