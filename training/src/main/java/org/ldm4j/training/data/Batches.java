package org.ldm4j.training.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * Collates examples of a {@link Dataset} into a {@link Batch}: the examples are fetched in parallel (datasets are
 * pure functions of the index, so the result does not depend on the thread count), their pixels copied into one
 * float array, and that array wrapped in one tensor.
 *
 * <pre>{@code
 * Batch first = Batches.range(shapes, 0, 16);              // examples 0..15
 * Batch some = Batches.of(shapes, 3, 141, 59);              // examples 3, 141 and 59, in that order
 * Batch random = Batches.random(shapes.limit(1000), 16, rng);   // 16 uniform draws from the first 1000
 * }</pre>
 */
public final class Batches {
    private Batches() {
    }

    /** Examples {@code start, start + 1, ..., start + count - 1}. */
    public static Batch range(Dataset dataset, long start, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count: expected a positive batch size, got " + count);
        }
        if (start < 0 || start > dataset.size() - count) {
            throw new IndexOutOfBoundsException("range: expected [start, start + count) inside [0, "
                    + (dataset.isUnbounded() ? "unbounded" : Long.toString(dataset.size())) + "), got start "
                    + start + ", count " + count);
        }
        return of(dataset, IntStream.range(0, count).mapToLong(i -> start + i).toArray());
    }

    /** {@code batchSize} indices drawn uniformly (with replacement) from the dataset with {@code rng}. */
    public static Batch random(Dataset dataset, int batchSize, Rng rng) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: expected a positive batch size, got " + batchSize);
        }
        long[] indices = new long[batchSize];
        for (int i = 0; i < batchSize; i++) {
            indices[i] = rng.nextLong(dataset.size());
        }
        return of(dataset, indices);
    }

    /** The examples at {@code indices}, in that order (repeats allowed). */
    public static Batch of(Dataset dataset, long... indices) {
        Objects.requireNonNull(dataset, "dataset");
        int b = indices.length;
        if (b == 0) {
            throw new IllegalArgumentException("indices: expected at least one index, got none");
        }
        for (long i : indices) {
            dataset.checkIndex(i);
        }
        int h = dataset.height();
        int w = dataset.width();
        long per = (long) Example.CHANNELS * h * w;
        if (per * b > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("indices: a batch of " + b + " images of 3x" + h + "x" + w
                    + " has too many values for one array (" + per * b + "); use smaller batches");
        }
        Example[] examples = new Example[b];
        float[] pixels = new float[(int) (per * b)];
        IntStream.range(0, b).parallel().forEach(i -> {
            Example e = dataset.get(indices[i]);
            if (e.height() != h || e.width() != w) {
                throw new IllegalStateException("dataset " + dataset + ": example " + indices[i] + " is " + e.height()
                        + "x" + e.width() + ", expected " + h + "x" + w);
            }
            e.copyPixelsTo(pixels, (int) (i * per));
            examples[i] = e;
        });
        long[] labels = new long[b];
        List<String> captions = new ArrayList<>(b);
        List<List<Box>> layouts = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            labels[i] = examples[i].label();
            captions.add(examples[i].caption());
            layouts.add(examples[i].layout());
        }
        return new Batch(Tensor.of(pixels, b, Example.CHANNELS, h, w), Tensor.of(labels, b), captions, layouts,
                indices);
    }
}
