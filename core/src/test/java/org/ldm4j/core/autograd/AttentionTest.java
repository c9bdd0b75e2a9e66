package org.ldm4j.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ldm4j.core.testing.GradCheck.check;
import static org.ldm4j.core.testing.GradCheck.input;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

class AttentionTest {
    private final Rng rng = new Rng(3);
    private final long defaultChunk = Attention.chunkBytes();

    @AfterEach
    void restore() {
        Attention.setChunkBytes(defaultChunk);
    }

    /** The op composed from primitives: softmax(q k^T * s + mask) v. */
    private static Tensor composed(Tensor q, Tensor k, Tensor v, Tensor mask, double s) {
        Tensor sim = q.matmul(k, false, true).mul(s);
        if (mask != null) {
            sim = sim.add(mask);
        }
        return sim.softmax(-1).matmul(v);
    }

    @Test
    void matchesTheComposedFormulaAndHasExactGradients() {
        Tensor q = input(rng, 2, 5, 4);
        Tensor k = input(rng, 2, 3, 4);
        Tensor v = input(rng, 2, 3, 6);
        Tensor y = Attention.scaledDotProduct(q, k, v, null, 0.5);
        assertArrayEquals(composed(q, k, v, null, 0.5).toDoubleArray(), y.toDoubleArray(), 1e-12);
        check(in -> Attention.scaledDotProduct(in[0], in[1], in[2], null, 0.5), q, k, v);
    }

    @Test
    void chunkedQueriesGiveTheSameValuesAndGradients() {
        Tensor q = input(rng, 2, 7, 4);
        Tensor k = input(rng, 2, 5, 4);
        Tensor v = input(rng, 2, 5, 3);
        Tensor mask = rng.normal(DType.FLOAT64, 7, 5);
        Tensor whole = Attention.scaledDotProduct(q, k, v, mask, 0.7);
        Attention.setChunkBytes(2 * 5 * 8 * 2);       // two query rows per chunk
        Tensor chunked = Attention.scaledDotProduct(q, k, v, mask, 0.7);
        assertArrayEquals(whole.toDoubleArray(), chunked.toDoubleArray(), 1e-12);
        check(in -> Attention.scaledDotProduct(in[0], in[1], in[2], mask, 0.7), q, k, v);
    }

    @Test
    void aThreadsBudgetScopeOverridesTheDefaultUntilClosed() {
        long def = Attention.chunkBytes();
        try (Attention.BudgetScope b = Attention.chunkBytesScope(1234)) {
            assertEquals(1234, Attention.chunkBytes());
            try (Attention.BudgetScope inner = Attention.chunkBytesScope(99)) {
                assertEquals(99, Attention.chunkBytes());
            }
            assertEquals(1234, Attention.chunkBytes());
        }
        assertEquals(def, Attention.chunkBytes());
    }

    @Test
    void anAdditiveMaskBlocksKeys() {
        Tensor q = rng.normal(DType.FLOAT64, 1, 2, 3, 4);     // [B, heads, T, d]
        Tensor k = rng.normal(DType.FLOAT64, 1, 2, 3, 4);
        Tensor v = rng.normal(DType.FLOAT64, 1, 2, 3, 2);
        // causal mask: query i sees keys 0..i
        Tensor causal = Tensor.of(new double[] {0, -1e30, -1e30, 0, 0, -1e30, 0, 0, 0}, 3, 3);
        Tensor y = Attention.scaledDotProduct(q, k, v, causal, 0.5);
        assertArrayEquals(new long[] {1, 2, 3, 2}, y.shape());
        // the first query sees only the first key: its output is v[0]
        assertEquals(v.get(0, 1, 0, 0), y.get(0, 1, 0, 0), 1e-12);
        assertEquals(v.get(0, 1, 0, 1), y.get(0, 1, 0, 1), 1e-12);
        check(in -> Attention.scaledDotProduct(in[0], in[1], in[2], causal, 0.5),
                input(rng, 1, 2, 3, 4), input(rng, 1, 2, 3, 4), input(rng, 1, 2, 3, 2));
    }

    @Test
    void float32AttentionAgreesWithFloat64() {
        Tensor q = rng.normal(DType.FLOAT64, 4, 64, 16);
        Tensor k = rng.normal(DType.FLOAT64, 4, 77, 16);
        Tensor v = rng.normal(DType.FLOAT64, 4, 77, 16);
        Tensor ref = Attention.scaledDotProduct(q, k, v, null, 0.25);
        Tensor f = Attention.scaledDotProduct(q.to(DType.FLOAT32), k.to(DType.FLOAT32), v.to(DType.FLOAT32), null, 0.25);
        assertTrue(ref.maxAbsDiff(f.to(DType.FLOAT64)) < 1e-5);
    }

    @Test
    void mismatchedShapesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Attention.scaledDotProduct(
                Tensor.zeros(2, 3, 4), Tensor.zeros(2, 5, 8), Tensor.zeros(2, 5, 4), null, 1));
        assertTrue(e.getMessage().contains("q and k feature sizes differ"), e.getMessage());
    }
}
