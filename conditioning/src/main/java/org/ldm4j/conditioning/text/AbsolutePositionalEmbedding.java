package org.ldm4j.conditioning.text;

import org.ldm4j.core.nn.Embedding;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * x-transformers' {@code AbsolutePositionalEmbedding}: a learned table of {@code maxSeqLen} positions,
 * initialised N(0, 0.02^2). Key: {@code emb.weight} [maxSeqLen, D].
 *
 * <pre>{@code
 * AbsolutePositionalEmbedding pos = new AbsolutePositionalEmbedding(512, 92, rng);
 * Tensor p = pos.forward(40);               // [40, 512], rows 0..39
 * }</pre>
 */
final class AbsolutePositionalEmbedding extends Module {
    private final Embedding emb;

    AbsolutePositionalEmbedding(long dim, long maxSeqLen, Rng rng) {
        emb = register("emb", new Embedding(maxSeqLen, dim, rng));
        scaleInPlace(emb.weight(), 0.02);
    }

    /** The embeddings of positions 0..n-1: [n, D]. */
    Tensor forward(long n) {
        return emb.weight().slice(0, 0, n);
    }

    long maxSeqLen() {
        return emb.weight().size(0);
    }

    /** Rescales a freshly drawn N(0, 1) table to N(0, std^2), as the reference's {@code init_} does. */
    static void scaleInPlace(Tensor weight, double std) {
        try (MemoryScope s = MemoryScope.open()) {
            weight.assign(weight.detach().mul(std));
        }
    }
}
