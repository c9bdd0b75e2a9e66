package org.ldm4j.training.data;

/**
 * An indexed image dataset: every example has the same height and width, three channels in [-1, 1], a class
 * label in {@code [0, numClasses())}, a caption and a layout.
 *
 * <p>{@link #get} must be a pure function of the index (the same index gives an equal example, from any
 * thread), so that loaders can shuffle indices, fetch examples in parallel and resume a run. A dataset may be
 * unbounded ({@link #size()} returns {@link #UNBOUNDED}); {@link #limit} gives a bounded view of its first
 * examples. Datasets backed by files report a file that cannot be read as an
 * {@link java.io.UncheckedIOException} naming the file.
 *
 * <pre>{@code
 * Dataset data = new ShapesDataset(ShapesConfig.of(32), 7).limit(5_000);
 * for (long i = 0; i < data.size(); i++) {
 *     Example e = data.get(i);
 *     String name = data.className(e.label());
 * }
 * }</pre>
 */
public interface Dataset {
    /** The {@link #size()} of a dataset without end. */
    long UNBOUNDED = Long.MAX_VALUE;

    /** Example {@code index}, in {@code [0, size())}. */
    Example get(long index);

    /** The number of examples, or {@link #UNBOUNDED}. */
    long size();

    /** Height of every image, in pixels. */
    int height();

    /** Width of every image, in pixels. */
    int width();

    /** The number of classes; labels lie in {@code [0, numClasses())}. */
    int numClasses();

    /** The name of a class ("circle", "red circle"). */
    String className(int label);

    /** Whether the dataset has no end. */
    default boolean isUnbounded() {
        return size() == UNBOUNDED;
    }

    /** A view of the first {@code n} examples (or of all of them, if there are fewer). */
    default Dataset limit(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: expected a positive number of examples, got " + n);
        }
        return new LimitedDataset(this, Math.min(n, size()));
    }

    /** Checks an index against {@link #size()}, naming both in the error. */
    default void checkIndex(long index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("index: expected an index in [0, "
                    + (isUnbounded() ? "unbounded" : Long.toString(size())) + "), got " + index);
        }
    }
}
