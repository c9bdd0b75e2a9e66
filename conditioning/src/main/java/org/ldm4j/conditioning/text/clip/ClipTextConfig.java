package org.ldm4j.conditioning.text.clip;

/**
 * The shape of CLIP's text transformer, as huggingface's {@code CLIPTextConfig} names it.
 *
 * <pre>{@code
 * ClipTextConfig l14 = ClipTextConfig.vitL14();      // 768 wide, 12 layers of 12 heads, 49408 tokens, 77 positions
 * l14.parameterCount();                              // 123_060_480
 * ClipTextConfig tiny = new ClipTextConfig(64, 16, 2, 2, 8, 32, ClipTextConfig.Activation.QUICK_GELU, 1e-5);
 * }</pre>
 *
 * @param vocabSize     token ids ({@code vocab_size})
 * @param width         model width ({@code hidden_size})
 * @param layers        encoder layers ({@code num_hidden_layers})
 * @param heads         attention heads ({@code num_attention_heads}); must divide {@code width}
 * @param maxPositions  positions ({@code max_position_embeddings}, the context length)
 * @param intermediate  MLP hidden width ({@code intermediate_size})
 * @param activation    MLP activation ({@code hidden_act})
 * @param layerNormEps  LayerNorm epsilon ({@code layer_norm_eps})
 */
public record ClipTextConfig(int vocabSize, int width, int layers, int heads, int maxPositions, int intermediate,
                             Activation activation, double layerNormEps) {

    /** The MLP's activation. */
    public enum Activation {
        /** {@code x * sigmoid(1.702 x)}, OpenAI CLIP's ({@code quick_gelu}). */
        QUICK_GELU,
        /** The exact (erf) GELU ({@code gelu}). */
        GELU
    }

    /** Validates every field. */
    public ClipTextConfig {
        positive("vocabSize", vocabSize);
        positive("width", width);
        positive("layers", layers);
        positive("heads", heads);
        positive("maxPositions", maxPositions);
        positive("intermediate", intermediate);
        if (width % heads != 0) {
            throw new IllegalArgumentException("heads: expected a divisor of width " + width + ", got " + heads);
        }
        if (activation == null) {
            throw new IllegalArgumentException("activation: expected QUICK_GELU or GELU, got null");
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layerNormEps: expected a positive value, got " + layerNormEps);
        }
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + ": expected a positive value, got " + v);
        }
    }

    /** OpenAI's ViT-L/14 text tower ({@code openai/clip-vit-large-patch14}), Stable Diffusion 1.x's encoder. */
    public static ClipTextConfig vitL14() {
        return new ClipTextConfig(49408, 768, 12, 12, 77, 3072, Activation.QUICK_GELU, 1e-5);
    }

    /** Channels per head. */
    public int headDim() {
        return width / heads;
    }

    /**
     * The number of parameters, from the shapes: token and position tables, per layer four biased width x width
     * projections, two LayerNorms and the two MLP layers, and the final LayerNorm.
     */
    public long parameterCount() {
        long d = width;
        long perLayer = 4 * (d * d + d) + 2 * (2 * d) + (d * intermediate + intermediate) + ((long) intermediate * d + d);
        return (long) vocabSize * d + (long) maxPositions * d + layers * perLayer + 2 * d;
    }
}
