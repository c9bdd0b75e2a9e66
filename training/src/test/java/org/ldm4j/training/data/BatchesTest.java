package org.ldm4j.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;

class BatchesTest {
    private static final ShapesDataset SHAPES = new ShapesDataset(ShapesConfig.of(24).withShapes(1, 2), 3);

    @Test
    void aRangeBatchStacksTheExamples() {
        Batch b = Batches.range(SHAPES, 10, 5);
        assertArrayEquals(new long[] {5, 3, 24, 24}, b.images().shape());
        assertEquals(DType.FLOAT32, b.images().dtype());
        assertArrayEquals(new long[] {5}, b.labels().shape());
        assertEquals(DType.INT64, b.labels().dtype());
        assertArrayEquals(new long[] {10, 11, 12, 13, 14}, b.indices());
        float[] all = b.images().toFloatArray();
        long[] labels = b.labels().toLongArray();
        int per = 3 * 24 * 24;
        for (int i = 0; i < 5; i++) {
            Example e = SHAPES.get(10 + i);
            assertArrayEquals(e.pixels(), Arrays.copyOfRange(all, i * per, (i + 1) * per), "example " + i);
            assertEquals(e.label(), labels[i]);
            assertEquals(e.caption(), b.captions().get(i));
            assertEquals(e.layout(), b.layouts().get(i));
        }
    }

    @Test
    void indexBatchesKeepTheirOrderAndRepeats() {
        Batch b = Batches.of(SHAPES, 7, 2, 7);
        assertArrayEquals(new long[] {7, 2, 7}, b.indices());
        assertEquals(SHAPES.get(7).caption(), b.captions().get(0));
        assertEquals(SHAPES.get(2).caption(), b.captions().get(1));
        float[] all = b.images().toFloatArray();
        int per = 3 * 24 * 24;
        assertArrayEquals(Arrays.copyOfRange(all, 0, per), Arrays.copyOfRange(all, 2 * per, 3 * per));
    }

    @Test
    void randomBatchesFollowTheRng() {
        Batch a = Batches.random(SHAPES.limit(100), 8, new Rng(5));
        Batch b = Batches.random(SHAPES.limit(100), 8, new Rng(5));
        assertArrayEquals(a.indices(), b.indices());
        assertEquals(0, a.images().maxAbsDiff(b.images()));
        for (long i : a.indices()) {
            assertTrue(i >= 0 && i < 100, "index " + i);
        }
        assertNotEquals(Arrays.toString(a.indices()),
                Arrays.toString(Batches.random(SHAPES.limit(100), 8, new Rng(6)).indices()));
    }

    @Test
    void aSequentialLoaderWrapsAroundABoundedDataset() {
        DataLoader loader = DataLoader.sequential(SHAPES.limit(5), 3);
        assertArrayEquals(new long[] {0, 1, 2}, loader.nextIndices());
        assertArrayEquals(new long[] {3, 4, 0}, loader.nextIndices());
        assertEquals(1, loader.epoch());
        assertArrayEquals(new long[] {1, 2, 3}, loader.next().indices());
        assertArrayEquals(new long[] {0, 1}, DataLoader.sequential(SHAPES, 2).nextIndices());
    }

    @Test
    void aShuffledLoaderVisitsEveryExampleOncePerEpochInASeededOrder() {
        Dataset data = SHAPES.limit(20);
        DataLoader loader = DataLoader.shuffled(data, 4, new Rng(9));
        DataLoader same = DataLoader.shuffled(data, 4, new Rng(9));
        long[] epoch0 = new long[20];
        long[] epoch1 = new long[20];
        for (int k = 0; k < 5; k++) {
            System.arraycopy(loader.nextIndices(), 0, epoch0, 4 * k, 4);
        }
        for (int k = 0; k < 5; k++) {
            System.arraycopy(loader.nextIndices(), 0, epoch1, 4 * k, 4);
        }
        assertArrayEquals(LongStream.range(0, 20).toArray(), Arrays.stream(epoch0).sorted().toArray());
        assertArrayEquals(LongStream.range(0, 20).toArray(), Arrays.stream(epoch1).sorted().toArray());
        assertNotEquals(Arrays.toString(epoch0), Arrays.toString(epoch1), "epochs are shuffled afresh");
        assertNotEquals(Arrays.toString(LongStream.range(0, 20).toArray()), Arrays.toString(epoch0));
        assertArrayEquals(Arrays.copyOf(epoch0, 4), same.nextIndices());
        assertEquals(40, loader.position());
        assertEquals(2, loader.epoch());
    }

    @Test
    void aResumedLoaderContinuesExactlyWhereItStopped() {
        for (Dataset data : new Dataset[] {SHAPES.limit(13), SHAPES}) {
            DataLoader straight = DataLoader.shuffled(data, 5, new Rng(1));
            DataLoader interrupted = DataLoader.shuffled(data, 5, new Rng(1));
            for (int k = 0; k < 4; k++) {
                straight.nextIndices();
                interrupted.nextIndices();
            }
            DataLoader resumed = DataLoader.resume(data, 5, interrupted.state());
            for (int k = 0; k < 6; k++) {
                assertArrayEquals(straight.nextIndices(), resumed.nextIndices(), "batch " + k + " after resuming");
            }
        }
        DataLoader seq = DataLoader.sequential(SHAPES, 4);
        seq.nextIndices();
        assertArrayEquals(new long[] {4, 5, 6, 7}, DataLoader.resume(SHAPES, 4, seq.state()).nextIndices());
    }

    @Test
    void anUnboundedShuffledLoaderDrawsSpreadIndices() {
        DataLoader loader = DataLoader.shuffled(SHAPES, 16, new Rng(2));
        Set<Long> seen = new HashSet<>();
        for (long i : loader.nextIndices()) {
            assertTrue(i >= 0);
            seen.add(i);
        }
        assertEquals(16, seen.size());
        assertEquals(0, loader.epoch());
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Batches.range(SHAPES, 0, 0));
        assertTrue(zero.getMessage().startsWith("count:"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Batches.of(SHAPES));
        IndexOutOfBoundsException out = assertThrows(IndexOutOfBoundsException.class,
                () -> Batches.of(SHAPES.limit(10), 3, 10));
        assertTrue(out.getMessage().contains("[0, 10)") && out.getMessage().contains("10"), out.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Batches.range(SHAPES.limit(10), 8, 3));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.sequential(SHAPES, 0));
        IllegalArgumentException state = assertThrows(IllegalArgumentException.class,
                () -> DataLoader.resume(SHAPES, 4, new long[] {1, 2}));
        assertTrue(state.getMessage().startsWith("state: expected 4 longs"), state.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SHAPES.limit(0));
        assertEquals(7, SHAPES.limit(10).limit(7).size());
        assertEquals(10, SHAPES.limit(10).limit(70).size());
    }
}
