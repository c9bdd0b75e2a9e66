package org.ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.core.testing.Fixtures;

/** The sinusoidal embedding: cosine first, the reference's float32 frequencies, odd widths, argument checks. */
class TimestepEmbeddingTest {

    @Test
    void matchesTheReferenceTrace() {
        StateDict io = Fixtures.parity("unet_tiny_io.safetensors");
        try (MemoryScope s = MemoryScope.open()) {
            Tensor emb = TimestepEmbedding.timestepEmbedding(io.get("t"), 32, DType.FLOAT32);
            double d = emb.maxAbsDiff(io.get("trace.time_embed.input"));
            System.out.printf("time_embed.input f32 vs torch f32: max-abs %.3e%n", d);
            assertTrue(d <= 6e-8, "one float32 ulp of cos/sin at most, got " + d);
        }
    }

    @Test
    void cosineComesFirstInEitherPrecision() {
        try (MemoryScope s = MemoryScope.open()) {
            Tensor t = Tensor.of(new double[] {0, 3.5, 250}, 3);
            for (DType type : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                Tensor emb = TimestepEmbedding.timestepEmbedding(t, 7, type);          // odd: a zero column
                assertEquals(type, emb.dtype());
                assertEquals(7, emb.size(1));
                for (int b = 0; b < 3; b++) {
                    double tb = t.get(b);
                    for (int i = 0; i < 3; i++) {
                        double f = Math.exp(-Math.log(10000) * i / 3);
                        double tol = type == DType.FLOAT64 ? 1e-12 : 2e-7 * Math.max(1, tb);   // f32 rounding of t*f
                        assertEquals(Math.cos(tb * f), emb.get(b, i), tol);
                        assertEquals(Math.sin(tb * f), emb.get(b, 3 + i), tol);
                    }
                    assertEquals(0.0, emb.get(b, 6));
                }
            }
        }
    }

    @Test
    void expfIsWithinOneUlpOfTheTrueExponential() {
        for (float d = -20f; d < 20f; d += 0.0137f) {
            float ours = TimestepEmbedding.expf(d);
            double exact = Math.exp(d);
            assertTrue(Math.abs(ours - exact) <= Math.ulp((float) exact), d + ": " + ours + " vs " + exact);
        }
        assertEquals(1f, TimestepEmbedding.expf(0f));
        assertEquals(0f, TimestepEmbedding.expf(-200f));
    }

    @Test
    void checksItsArguments() {
        try (MemoryScope s = MemoryScope.open()) {
            Tensor t = Tensor.of(new float[] {1, 2}, 2);
            assertThrows(IllegalArgumentException.class, () -> TimestepEmbedding.timestepEmbedding(t.reshape(1, 2),
                    8, DType.FLOAT32));
            assertThrows(IllegalArgumentException.class, () -> TimestepEmbedding.timestepEmbedding(t, 0,
                    DType.FLOAT32));
            assertThrows(IllegalArgumentException.class, () -> TimestepEmbedding.timestepEmbedding(t, 8,
                    DType.INT64));
        }
    }
}
