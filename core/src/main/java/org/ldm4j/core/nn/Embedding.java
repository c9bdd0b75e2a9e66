package org.ldm4j.core.nn;

import org.ldm4j.core.autograd.Indexing;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * A lookup table, as {@code nn.Embedding}: weight [n, dim] initialised N(0, 1); the class-conditional U-Net's
 * {@code label_emb} and the class embedder use it.
 *
 * <pre>{@code
 * Embedding labelEmb = new Embedding(1000, 512, rng);
 * Tensor e = labelEmb.forward(Tensor.of(new long[] {3, 7}, 2));   // int64 [2] -> [2, 512]
 * }</pre>
 */
public final class Embedding extends Module implements Layer {
    private final long n;
    private final long dim;

    public Embedding(long n, long dim, Rng rng) {
        Init.checkPositive("n", n);
        Init.checkPositive("dim", dim);
        Init.checkRng(rng);
        this.n = n;
        this.dim = dim;
        try (MemoryScope s = MemoryScope.open()) {
            registerParameter("weight", () -> rng.normal(DType.FLOAT32, n, dim), n, dim);
        }
    }

    /** Integer (INT64 or INT32) indices of any shape, values in [0, n) -> [*indices.shape, dim]. */
    @Override
    public Tensor forward(Tensor indices) {
        if (indices.dtype() != DType.INT64 && indices.dtype() != DType.INT32) {
            throw new IllegalArgumentException("indices: expected INT64 or INT32 indices into " + n + " rows, got "
                    + indices.dtype() + " (class labels stored as floats: convert with .to(DType.INT64))");
        }
        return Indexing.embedding(weight(), indices);
    }

    /** The table [n, dim]. */
    public Tensor weight() {
        return parameter("weight");
    }

    @Override
    protected String extraRepr() {
        return n + ", " + dim;
    }
}
