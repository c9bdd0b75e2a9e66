package org.ldm4j.conditioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** The class embedder: table layout, the null class, condition dropout and argument errors. */
class ClassEmbedderTest {

    @Test
    void imageNetTableHasTheNullClassAsEntry1000() {
        ClassEmbedder cls = new ClassEmbedder(1000, 512, new Rng(0));
        assertEquals(List.of("embedding.weight"), TestSupport.keys(cls));
        assertArrayEquals(new long[] {1001, 512}, cls.stateDict().get("embedding.weight").shape());
        assertEquals(1000, cls.nullClass());
        assertEquals(Conditioner.Kind.TOKENS, cls.kind());
        assertEquals(512, cls.outputDim());
        ClassEmbedder old = new ClassEmbedder(1000, 512, false, new Rng(0));
        assertArrayEquals(new long[] {1000, 512}, old.stateDict().get("embedding.weight").shape());
    }

    @Test
    void encodesLabelsAsOneTokenSequences() {
        ClassEmbedder cls = new ClassEmbedder(5, 3, new Rng(1));
        try (MemoryScope s = MemoryScope.open()) {
            Tensor table = cls.stateDict().get("embedding.weight");
            Tensor c = cls.encode(Tensor.of(new long[] {4, 0, 5}, 3));
            assertArrayEquals(new long[] {3, 1, 3}, c.shape());
            for (int b = 0; b < 3; b++) {
                long label = new long[] {4, 0, 5}[b];
                for (int d = 0; d < 3; d++) {
                    assertEquals(table.get(label, d), c.get(b, 0, d));
                }
            }
            Tensor uc = cls.unconditional(Tensor.of(new long[] {1, 2}, 2));
            assertArrayEquals(new long[] {2, 1, 3}, uc.shape());
            for (int d = 0; d < 3; d++) {
                assertEquals(table.get(5, d), uc.get(1, 0, d));      // the null class row
            }
            assertArrayEquals(new long[] {5, 5}, cls.unconditionalLike(Tensor.of(new long[] {1, 2}, 2)).toLongArray());
        }
    }

    @Test
    void dropReplacesLabelsWithTheNullClassAtRateP() {
        ClassEmbedder cls = new ClassEmbedder(10, 2, new Rng(2));
        int n = 20000;
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = i % 10;
        }
        try (MemoryScope s = MemoryScope.open()) {
            Tensor labels = Tensor.of(v, n);
            assertArrayEquals(v, cls.drop(labels, 0.0, new Rng(3)).toLongArray());
            for (long l : cls.drop(labels, 1.0, new Rng(3)).toLongArray()) {
                assertEquals(10, l);
            }
            long[] dropped = cls.drop(labels, 0.3, new Rng(3)).toLongArray();
            int nulls = 0;
            for (int i = 0; i < n; i++) {
                if (dropped[i] == 10) {
                    nulls++;
                } else {
                    assertEquals(v[i], dropped[i], "kept labels are unchanged");
                }
            }
            // binomial(20000, 0.3): sd 65, so +-0.015 is more than 4 sd
            assertEquals(0.3, nulls / (double) n, 0.015);
            assertArrayEquals(dropped, cls.drop(labels, 0.3, new Rng(3)).toLongArray(), "same seed, same drops");
        }
    }

    @Test
    void badArgumentsNameWhatWasExpected() {
        ClassEmbedder cls = new ClassEmbedder(10, 2, new Rng(4));
        try (MemoryScope s = MemoryScope.open()) {
            String msg = assertThrows(IllegalArgumentException.class,
                    () -> cls.encode(Tensor.of(new long[] {3, 11}, 2))).getMessage();
            assertTrue(msg.contains("labels: expected values in [0, 10] (10 is the null class), got 11 at index 1"),
                    msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> cls.encode(Tensor.of(new float[] {1, 2}, 2))).getMessage();
            assertTrue(msg.startsWith("labels: expected INT64"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> cls.encode(Tensor.of(new long[] {1, 2}, 1, 2))).getMessage();
            assertTrue(msg.contains("labels: expected rank 1, got rank 2 [1, 2]"), msg);
            msg = assertThrows(IllegalArgumentException.class,
                    () -> cls.drop(Tensor.of(new long[] {1}, 1), 1.5, new Rng(0))).getMessage();
            assertTrue(msg.contains("p: expected a probability in [0, 1], got 1.5"), msg);
            ClassEmbedder noNull = new ClassEmbedder(10, 2, false, new Rng(4));
            assertThrows(IllegalStateException.class, () -> noNull.drop(Tensor.of(new long[] {1}, 1), 0.1,
                    new Rng(0)));
            msg = assertThrows(IllegalArgumentException.class,
                    () -> noNull.encode(Tensor.of(new long[] {10}, 1))).getMessage();
            assertTrue(msg.contains("expected values in [0, 9], got 10"), msg);
        }
    }
}
