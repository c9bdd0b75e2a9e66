package org.ldm4j.conditioning.text.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/** Packing framed sequences into a batch, and the batch as int64 tensors. */
class TokenBatchTest {

    @Test
    void packsPadsAndTruncatesKeepingTheEndToken() {
        // start 7, end 8, pad 0
        TokenBatch b = TokenBatch.pack(List.of(new int[] {7, 1, 2, 8}, new int[] {7, 1, 2, 3, 4, 5, 8}), 5, 0);
        assertArrayEquals(new int[] {7, 1, 2, 8, 0}, b.row(0));
        assertArrayEquals(new int[] {7, 1, 2, 3, 8}, b.row(1));
        assertArrayEquals(new int[] {4, 5}, b.lengths());
        assertEquals(0, b.truncated(0));
        assertEquals(2, b.truncated(1));
        assertArrayEquals(new long[] {7, 1, 2, 8, 0, 7, 1, 2, 3, 8}, b.flatIds());
        assertArrayEquals(new int[] {7, 8}, TokenBatch.pack(List.of(new int[] {7, 1, 2, 8}), 2, 0).row(0));
    }

    @Test
    void idsAndMaskAreInt64Tensors() {
        try (MemoryScope scope = MemoryScope.open()) {
            TokenBatch b = TokenBatch.pack(List.of(new int[] {7, 1, 8}, new int[] {7, 1, 2, 3, 8}), 4, 8);
            Tensor ids = b.ids();
            assertArrayEquals(new long[] {2, 4}, ids.shape());
            assertEquals(DType.INT64, ids.dtype());
            assertArrayEquals(new long[] {7, 1, 8, 8, 7, 1, 2, 8}, ids.toLongArray());
            Tensor mask = b.attentionMask();
            assertArrayEquals(new long[] {2, 4}, mask.shape());
            assertEquals(DType.INT64, mask.dtype());
            // padding with the end token (as Stable Diffusion does): only the lengths tell it from the text
            assertArrayEquals(new long[] {1, 1, 1, 0, 1, 1, 1, 1}, mask.toLongArray());
        }
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenBatch.pack(List.of(new int[] {7, 8}), 1, 0));
        assertTrue(e.getMessage().contains("maxLength") && e.getMessage().contains("1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TokenBatch.pack(List.of(new int[] {7, 8}, new int[] {7}), 4, 0));
        assertTrue(e.getMessage().contains("sequences[1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenBatch.pack(List.of(), 4, 0));
        TokenBatch b = TokenBatch.pack(List.of(new int[] {7, 8}), 4, 0);
        assertThrows(IndexOutOfBoundsException.class, () -> b.row(1));
        assertThrows(IndexOutOfBoundsException.class, () -> b.length(-1));
    }
}
