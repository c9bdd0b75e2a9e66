package org.ldm4j.training.data;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Objects;
import org.ldm4j.core.random.Rng;

/**
 * An endless stream of batches over a {@link Dataset}, in order or in a seeded random order, that can be saved
 * and resumed exactly ({@link #state()}).
 *
 * <p>The loader walks a stream of dataset indices, {@code batchSize} at a time (batches run across epoch
 * boundaries). In order, the stream is 0, 1, 2, ... (modulo the size of a bounded dataset). Shuffled over a bounded
 * dataset of n examples, epoch {@code e} is a permutation of 0..n-1 drawn from {@code root.fork(e)}; over an
 * unbounded dataset, position {@code p} is the index {@code root.fork(p).nextLong(Long.MAX_VALUE)}. Either way
 * the index at a position is a pure function of the root stream and the position, so a resumed loader continues
 * with exactly the batches the uninterrupted one would have given. A loader is not thread-safe; the examples of
 * one batch are fetched in parallel ({@link Batches}).
 *
 * <pre>{@code
 * DataLoader loader = DataLoader.shuffled(shapes.limit(50_000), 32, rng);   // takes rng.split()
 * Batch b = loader.next();
 * long[] saved = loader.state();                                          // into the checkpoint
 * DataLoader again = DataLoader.resume(shapes.limit(50_000), 32, saved);  // continues where it stopped
 * }</pre>
 */
public final class DataLoader implements Iterator<Batch> {
    private static final long SEQUENTIAL = 0;
    private static final long SHUFFLED = 1;

    private final Dataset dataset;
    private final int batchSize;
    private final Rng root;           // null in order
    private long position;
    private long permEpoch = -1;      // the epoch that perm holds
    private int[] perm;

    private DataLoader(Dataset dataset, int batchSize, Rng root, long position) {
        this.dataset = Objects.requireNonNull(dataset, "dataset");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: expected a positive batch size, got " + batchSize);
        }
        if (root != null && !dataset.isUnbounded() && dataset.size() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("dataset: expected at most " + (Integer.MAX_VALUE - 8) + " examples to "
                    + "shuffle by permutation, got " + dataset.size() + " (shuffle a limit(n) view)");
        }
        if (position < 0) {
            throw new IllegalArgumentException("position: expected a non-negative stream position, got " + position);
        }
        this.batchSize = batchSize;
        this.root = root;
        this.position = position;
    }

    /** Batches of indices 0, 1, 2, ..., wrapping around at the end of a bounded dataset. */
    public static DataLoader sequential(Dataset dataset, int batchSize) {
        return new DataLoader(dataset, batchSize, null, 0);
    }

    /** Batches in a random order drawn from {@code rng.split()} (which advances {@code rng} by one draw). */
    public static DataLoader shuffled(Dataset dataset, int batchSize, Rng rng) {
        return new DataLoader(dataset, batchSize, rng.split(), 0);
    }

    /** The loader that {@link #state()} describes, over the same dataset and batch size. */
    public static DataLoader resume(Dataset dataset, int batchSize, long[] state) {
        if (state == null || state.length != 4 || (state[0] != SEQUENTIAL && state[0] != SHUFFLED)) {
            throw new IllegalArgumentException("state: expected 4 longs (mode 0 or 1, rng key, rng counter, "
                    + "position) from DataLoader.state(), got " + Arrays.toString(state));
        }
        Rng root = state[0] == SHUFFLED ? Rng.fromState(new long[] {state[1], state[2]}) : null;
        return new DataLoader(dataset, batchSize, root, state[3]);
    }

    /** Always true: the stream has no end. */
    @Override
    public boolean hasNext() {
        return true;
    }

    /** The next {@code batchSize} examples of the stream. */
    @Override
    public Batch next() {
        return Batches.of(dataset, nextIndices());
    }

    /** The dataset indices of the next batch, advancing the stream as {@link #next()} does. */
    public long[] nextIndices() {
        long[] idx = new long[batchSize];
        for (int i = 0; i < batchSize; i++) {
            idx[i] = indexAt(position + i);
        }
        position += batchSize;
        return idx;
    }

    /** How many examples the loader has served. */
    public long position() {
        return position;
    }

    /** The current epoch (position / size), or 0 for an unbounded dataset. */
    public long epoch() {
        return dataset.isUnbounded() ? 0 : position / dataset.size();
    }

    public int batchSize() {
        return batchSize;
    }

    public Dataset dataset() {
        return dataset;
    }

    /** The whole state, for a checkpoint: {mode, rng key, rng counter, position}. */
    public long[] state() {
        long[] r = root == null ? new long[] {0, 0} : root.state();
        return new long[] {root == null ? SEQUENTIAL : SHUFFLED, r[0], r[1], position};
    }

    private long indexAt(long p) {
        if (dataset.isUnbounded()) {
            return root == null ? p : root.fork(p).nextLong(Long.MAX_VALUE);
        }
        long n = dataset.size();
        if (root == null) {
            return p % n;
        }
        long epoch = p / n;
        if (epoch != permEpoch) {
            perm = root.fork(epoch).permutation((int) n);
            permEpoch = epoch;
        }
        return perm[(int) (p % n)];
    }
}
