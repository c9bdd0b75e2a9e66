package org.ldm4j.conditioning.text.clip;

import org.ldm4j.core.nn.Embedding;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * huggingface's {@code CLIPTextEmbeddings}: token embeddings plus the embeddings of positions 0..N-1. Keys:
 * {@code token_embedding.weight} [V, W], {@code position_embedding.weight} [P, W]; the {@code position_ids}
 * buffer [1, P] (0..P-1) is registered non-persistent, as current huggingface versions do, so it is not in the
 * state dict; checkpoints that carry it are accepted by {@link ClipTextModel#loadCheckpoint}.
 *
 * <pre>{@code
 * ClipTextEmbeddings emb = new ClipTextEmbeddings(ClipTextConfig.vitL14(), rng);
 * Tensor h = emb.forward(ids);              // int64 [B, 77] -> [B, 77, 768]
 * }</pre>
 */
final class ClipTextEmbeddings extends Module {
    private final Embedding tokenEmbedding;
    private final Embedding positionEmbedding;

    ClipTextEmbeddings(ClipTextConfig c, Rng rng) {
        tokenEmbedding = register("token_embedding", new Embedding(c.vocabSize(), c.width(), rng));
        positionEmbedding = register("position_embedding", new Embedding(c.maxPositions(), c.width(), rng));
        try (MemoryScope s = MemoryScope.open()) {
            // huggingface's _init_weights: N(0, 0.02^2) tokens, N(0, 0.01^2) positions
            tokenEmbedding.weight().assign(tokenEmbedding.weight().detach().mul(0.02));
            positionEmbedding.weight().assign(positionEmbedding.weight().detach().mul(0.01));
            long[] ids = new long[c.maxPositions()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i;
            }
            registerBuffer("position_ids", Tensor.of(ids, 1, ids.length), false);
        }
    }

    /** Token ids [B, N] -> [B, N, W]. */
    Tensor forward(Tensor ids) {
        return withPositions(tokenEmbedding.forward(ids));
    }

    /** Token embeddings [B, N, W] (huggingface's {@code inputs_embeds}) plus positions 0..N-1. */
    Tensor withPositions(Tensor inputsEmbeds) {
        long n = inputsEmbeds.size(1);
        return inputsEmbeds.add(positionEmbedding.weight().slice(0, 0, n));     // (B, N, W) + (N, W)
    }
}
