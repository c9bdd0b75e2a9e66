package org.ldm4j.diffusion;

import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * Per-sample timestep tensors: validation, and the reference's {@code extract_into_tensor} (a schedule
 * coefficient gathered per sample and shaped to broadcast over a batch).
 */
final class Timesteps {
    private Timesteps() {
    }

    /**
     * The timesteps of {@code t} (int64, int32, float32 or float64 whole numbers, shape [B]) after checking them
     * against a batch of {@code batch} samples and a schedule of {@code steps} timesteps.
     */
    static long[] check(String arg, Tensor t, long batch, int steps) {
        if (t == null) {
            throw new IllegalArgumentException(arg + ": expected a timestep tensor [" + batch + "], got null");
        }
        if (t.rank() != 1 || t.size(0) != batch) {
            throw new IllegalArgumentException(arg + ": expected shape [" + batch + "] (one timestep per sample of the "
                    + "batch), got " + Shapes.str(t.shape()));
        }
        DType d = t.dtype();
        long[] out = new long[(int) batch];
        if (d == DType.INT64 || d == DType.INT32) {
            out = t.toLongArray();
        } else if (d.isFloating()) {
            double[] v = t.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                if (v[i] != Math.rint(v[i])) {
                    throw new IllegalArgumentException(arg + ": expected whole-number timesteps, got " + v[i]
                            + " at index " + i);
                }
                out[i] = (long) v[i];
            }
        } else {
            throw new IllegalArgumentException(arg + ": expected INT64, INT32 or floating-point timesteps, got " + d);
        }
        for (int i = 0; i < out.length; i++) {
            if (out[i] < 0 || out[i] >= steps) {
                throw new IllegalArgumentException(arg + ": expected timesteps in [0, " + steps + "), got " + out[i]
                        + " at index " + i);
            }
        }
        return out;
    }

    /**
     * {@code table[t[b]]} for each sample, as a tensor [B, 1, ..., 1] of {@code like}'s rank and dtype: the double
     * value rounded once to that dtype, as the reference's float32 buffers are.
     */
    static Tensor gather(double[] table, long[] t, Tensor like) {
        double[] v = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            v[i] = table[(int) t[i]];
        }
        return column(v, like);
    }

    /** Per-sample values {@code v} [B] as a tensor [B, 1, ..., 1] of {@code like}'s rank and dtype. */
    static Tensor column(double[] v, Tensor like) {
        long[] shape = new long[like.rank()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = v.length;
        return Tensor.of(v, shape).to(like.dtype());
    }

    /** The timesteps as the float32 tensor [B] a {@link Denoiser} takes. */
    static Tensor asFloat(long[] t) {
        float[] v = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            v[i] = t[i];
        }
        return Tensor.of(v, t.length);
    }
}
