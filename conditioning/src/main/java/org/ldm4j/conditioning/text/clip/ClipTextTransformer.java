package org.ldm4j.conditioning.text.clip;

import org.ldm4j.core.nn.LayerNorm;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/**
 * huggingface's {@code CLIPTextTransformer}: embeddings, the encoder under a causal mask (token i attends to
 * tokens 0..i only), and the final LayerNorm; the result is {@code last_hidden_state}. Keys:
 * {@code embeddings.*}, {@code encoder.layers.{i}.*}, {@code final_layer_norm.*}.
 *
 * <pre>{@code
 * ClipTextTransformer t = new ClipTextTransformer(ClipTextConfig.vitL14(), rng);
 * Tensor h = t.forward(ids);                 // int64 [B, 77] -> [B, 77, 768]
 * }</pre>
 */
final class ClipTextTransformer extends Module {
    private final ClipTextEmbeddings embeddings;
    private final ClipEncoder encoder;
    private final LayerNorm finalLayerNorm;

    ClipTextTransformer(ClipTextConfig c, Rng rng) {
        embeddings = register("embeddings", new ClipTextEmbeddings(c, rng));
        encoder = register("encoder", new ClipEncoder(c, rng));
        finalLayerNorm = register("final_layer_norm", new LayerNorm(c.width(), c.layerNormEps(), true));
    }

    /** Token ids [B, N] -> last hidden state [B, N, W]. */
    Tensor forward(Tensor ids) {
        return run(embeddings.forward(ids));
    }

    /** Token embeddings [B, N, W] -> last hidden state [B, N, W]. */
    Tensor forwardEmbeddings(Tensor inputsEmbeds) {
        return run(embeddings.withPositions(inputsEmbeds));
    }

    private Tensor run(Tensor h) {
        Tensor mask = causalMask(h.size(1), h.dtype());                       // (N, N)
        return finalLayerNorm.forward(encoder.forward(h, mask));
    }

    /** Additive causal mask [n, n]: 0 where j <= i, -inf where j > i (the reference fills with the dtype's min). */
    static Tensor causalMask(long n, DType dtype) {
        int m = Math.toIntExact(n);
        double[] v = new double[Math.multiplyExact(m, m)];
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                v[i * m + j] = Double.NEGATIVE_INFINITY;
            }
        }
        Tensor mask = Tensor.of(v, n, n);
        return dtype == DType.FLOAT64 ? mask : mask.to(dtype);
    }
}
