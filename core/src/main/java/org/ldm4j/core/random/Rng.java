package org.ldm4j.core.random;

import java.util.stream.IntStream;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A seeded, splittable, counter-based random generator. Nothing in ldm4j uses ND4J's global generator (its
 * {@code randn(seed, ...)} reseeds it as a side effect, and it is per thread).
 *
 * <p>Draw {@code i} of a stream is {@code mix64(key + (counter + i) * GAMMA)}, the output function of
 * {@link java.util.SplittableRandom}; so a stream's whole state is two longs ({@link #state()}), large tensors
 * are filled in parallel with the same result as serially, and the numbers do not depend on the thread count.
 * The same seed gives the same numbers on every machine.
 *
 * <pre>{@code
 * Rng rng = new Rng(42);
 * Tensor noise = rng.normal(4, 4, 64, 64);        // float32 N(0, 1)
 * Rng dataRng = rng.split();                      // an independent stream
 * long[] saved = rng.state();                     // for a checkpoint; Rng.fromState(saved) resumes it
 * }</pre>
 */
public final class Rng {
    private static final long GAMMA = 0x9e3779b97f4a7c15L;
    private static final double TWO_PI = 2 * Math.PI;
    private static final int PARALLEL_THRESHOLD = 1 << 16;
    private static final int BLOCK = 1 << 14;

    private final long key;
    private long counter;

    /** A stream determined by {@code seed}. */
    public Rng(long seed) {
        this(mixKey(seed), 0);
    }

    private Rng(long key, long counter) {
        this.key = key;
        this.counter = counter;
    }

    /** Resumes a stream from {@link #state()}. */
    public static Rng fromState(long[] state) {
        if (state == null || state.length != 2) {
            throw new IllegalArgumentException("state: expected 2 longs (key, counter), got "
                    + (state == null ? "null" : state.length));
        }
        return new Rng(state[0], state[1]);
    }

    /** The whole state: key and counter. */
    public long[] state() {
        return new long[] {key, counter};
    }

    /** An independent stream; advances this one by one draw. */
    public Rng split() {
        return new Rng(mixKey(nextLong() ^ key), 0);
    }

    /** A named independent stream, derived without advancing this one (the same name gives the same stream). */
    public Rng fork(long stream) {
        return new Rng(mixKey(key + mix64(stream * GAMMA + 0x632be59bd9b4e019L)), 0);
    }

    // ---------------------------------------------------------------- scalars

    public long nextLong() {
        return mix64(key + (counter++) * GAMMA);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() {
        return toUnit(nextLong());
    }

    /** Uniform in [0, bound). */
    public long nextLong(long bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound: expected a positive bound, got " + bound);
        }
        return bounded(nextLong(), bound);
    }

    private static long bounded(long bits, long bound) {
        // floor(x * bound / 2^63) for the top 63 bits x: uniform to within bound / 2^63
        long x = bits >>> 1;
        return Math.multiplyHigh(x, bound) << 1 | (x * bound) >>> 63;
    }


    /** A standard normal sample. */
    public double nextGaussian() {
        long a = nextLong();
        long b = nextLong();
        return Math.sqrt(-2 * Math.log(1 - toUnit(a))) * Math.cos(TWO_PI * toUnit(b));
    }

    // ---------------------------------------------------------------- tensors

    /** float32 standard normal samples. */
    public Tensor normal(long... shape) {
        return normal(DType.FLOAT32, shape);
    }

    /** Standard normal samples (Box-Muller on pairs of draws). */
    public Tensor normal(DType dtype, long... shape) {
        int n = count(shape);
        double[] out = new double[n];
        long base = take(2L * ((n + 1) / 2));
        fill(n, (lo, hi) -> {
            for (int i = lo & ~1; i < hi; i += 2) {
                long c = base + i;
                double r = Math.sqrt(-2 * Math.log(1 - toUnit(mix64(key + c * GAMMA))));
                double th = TWO_PI * toUnit(mix64(key + (c + 1) * GAMMA));
                if (i >= lo) {
                    out[i] = r * Math.cos(th);
                }
                if (i + 1 < hi) {
                    out[i + 1] = r * Math.sin(th);
                }
            }
        });
        return toTensor(out, dtype, shape);
    }

    /** Uniform samples in [lo, hi). */
    public Tensor uniform(DType dtype, double lo, double hi, long... shape) {
        if (!(hi > lo)) {
            throw new IllegalArgumentException("uniform: expected lo < hi, got [" + lo + ", " + hi + ")");
        }
        int n = count(shape);
        double[] out = new double[n];
        long base = take(n);
        double w = hi - lo;
        fill(n, (a, b) -> {
            for (int i = a; i < b; i++) {
                out[i] = lo + w * toUnit(mix64(key + (base + i) * GAMMA));
            }
        });
        return toTensor(out, dtype, shape);
    }

    /** 1 with probability {@code p}, else 0. */
    public Tensor bernoulli(DType dtype, double p, long... shape) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("p: expected a probability in [0, 1], got " + p);
        }
        int n = count(shape);
        double[] out = new double[n];
        long base = take(n);
        fill(n, (a, b) -> {
            for (int i = a; i < b; i++) {
                out[i] = toUnit(mix64(key + (base + i) * GAMMA)) < p ? 1 : 0;
            }
        });
        return toTensor(out, dtype, shape);
    }

    /** int64 samples uniform in [lo, hi) (timesteps, class labels). */
    public Tensor randint(long lo, long hi, long... shape) {
        if (hi <= lo) {
            throw new IllegalArgumentException("randint: expected lo < hi, got [" + lo + ", " + hi + ")");
        }
        int n = count(shape);
        long[] out = new long[n];
        long base = take(n);
        long range = hi - lo;
        for (int i = 0; i < n; i++) {
            out[i] = lo + bounded(mix64(key + (base + i) * GAMMA), range);
        }
        return Tensor.of(out, shape);
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = (int) bounded(nextLong(), i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    // ---------------------------------------------------------------- internals

    private long take(long draws) {
        long c = counter;
        counter += draws;
        return c;
    }

    private static int count(long[] shape) {
        long n = Shapes.numel(shape);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("shape: " + Shapes.str(shape) + " has too many elements to sample at "
                    + "once (" + n + ")");
        }
        return (int) n;
    }

    private interface Range {
        void fill(int lo, int hi);
    }

    /** Fills [0, n) in blocks, in parallel for large n; the result does not depend on the split. */
    private static void fill(int n, Range r) {
        if (n < PARALLEL_THRESHOLD) {
            r.fill(0, n);
            return;
        }
        int blocks = (n + BLOCK - 1) / BLOCK;
        IntStream.range(0, blocks).parallel().forEach(b -> r.fill(b * BLOCK, Math.min(n, (b + 1) * BLOCK)));
    }

    private static Tensor toTensor(double[] values, DType dtype, long[] shape) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException("dtype: expected a floating-point type, got " + dtype);
        }
        INDArray a = Nd4j.create(values, shape, 'c');
        if (dtype != DType.FLOAT64) {
            INDArray c = a.castTo(dtype.nd4j());
            a.close();
            a = c;
        }
        return Tensor.wrap(a);
    }

    private static double toUnit(long bits) {
        return (bits >>> 11) * 0x1.0p-53;
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static long mixKey(long z) {
        // a different finaliser (Stafford's variant 4) so that keys are not outputs of any stream
        z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5L;
        z = (z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3L;
        return z ^ (z >>> 32);
    }
}
