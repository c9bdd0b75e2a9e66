package org.ldm4j.core.tensor;

import java.util.Arrays;

/**
 * Shape arithmetic and the argument checks that every public entry point uses, so that errors read alike:
 * {@code x: expected 4 channels, got 3 in [2, 3, 64, 64]}.
 */
public final class Shapes {
    private Shapes() {
    }

    /** {@code [2, 3, 64, 64]}. */
    public static String str(long[] shape) {
        return Arrays.toString(shape);
    }

    public static boolean equal(long[] a, long[] b) {
        return Arrays.equals(a, b);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** The numpy broadcast of two shapes, or an exception naming both. */
    public static long[] broadcast(String op, long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long da = i < r - a.length ? 1 : a[i - (r - a.length)];
            long db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " do not broadcast (dimension " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Normalises a possibly negative axis of a rank-{@code rank} tensor. */
    public static int axis(String arg, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(arg + ": expected an axis in [" + (-rank) + ", " + (rank - 1)
                    + "], got " + axis);
        }
        return a;
    }

    /** Normalised, sorted, distinct axes; all axes when {@code axes} is empty. */
    public static int[] axes(String arg, int[] axes, int rank) {
        if (axes == null || axes.length == 0) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = axis(arg, axes[i], rank);
        }
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) {
                throw new IllegalArgumentException(arg + ": axis " + out[i] + " given twice in " + Arrays.toString(axes));
            }
        }
        return out;
    }

    /** The shape with the given (sorted) axes set to 1. */
    public static long[] keepDims(long[] shape, int[] axes) {
        long[] k = shape.clone();
        for (int a : axes) {
            k[a] = 1;
        }
        return k;
    }

    /** The shape with the given (sorted) axes removed. */
    public static long[] dropDims(long[] shape, int[] axes) {
        long[] out = new long[shape.length - axes.length];
        int j = 0;
        int k = 0;
        for (int i = 0; i < shape.length; i++) {
            if (k < axes.length && axes[k] == i) {
                k++;
            } else {
                out[j++] = shape[i];
            }
        }
        return out;
    }

    /** Checks the rank of a tensor argument. */
    public static void checkRank(String arg, Tensor x, int rank) {
        if (x.rank() != rank) {
            throw new IllegalArgumentException(arg + ": expected rank " + rank + ", got rank " + x.rank() + " "
                    + str(x.shape()));
        }
    }

    /** Checks one dimension of a tensor argument: {@code x: expected 4 channels (dim 1), got 3 in [2, 3, 8, 8]}. */
    public static void checkDim(String arg, Tensor x, int dim, long expected, String what) {
        int d = axis(arg, dim, x.rank());
        if (x.shape()[d] != expected) {
            throw new IllegalArgumentException(arg + ": expected " + expected + " " + what + " (dim " + d + "), got "
                    + x.shape()[d] + " in " + str(x.shape()));
        }
    }

    /** Checks that a tensor argument has floating-point elements. */
    public static void checkFloating(String arg, Tensor x) {
        if (!x.dtype().isFloating()) {
            throw new IllegalArgumentException(arg + ": expected a floating-point tensor, got " + x.dtype());
        }
    }

    /** Checks that two tensor arguments share a dtype (ND4J does not promote). */
    public static void checkSameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": expected both operands of one dtype, got " + a.dtype() + " and "
                    + b.dtype() + " (convert one with .to(DType))");
        }
    }

    /** Checks that a tensor argument has exactly this shape. */
    public static void checkShape(String arg, Tensor x, long... expected) {
        if (!equal(x.shape(), expected)) {
            throw new IllegalArgumentException(arg + ": expected shape " + str(expected) + ", got " + str(x.shape()));
        }
    }
}
