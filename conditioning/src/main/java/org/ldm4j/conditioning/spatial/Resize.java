package org.ldm4j.conditioning.spatial;

import org.ldm4j.core.autograd.Indexing;
import org.ldm4j.core.autograd.LinearAlgebra;
import org.ldm4j.core.tensor.Tensor;

/**
 * Differentiable resizing of [B, C, H, W] by composed core ops (see {@link Interpolation} for the formulas):
 * bilinear and area as products with interpolation matrices over the last two axes,
 * {@code out = Ry x Rx^T} (Ry [H', H], Rx [W', W]); nearest by index selection along each axis.
 *
 * <pre>{@code
 * Tensor y = Resize.apply(x, Interpolation.AREA, 0.25);       // [B, C, 64, 64] -> [B, C, 16, 16]
 * }</pre>
 */
final class Resize {
    private Resize() {
    }

    /** The output size of an axis of {@code in} samples: {@code floor(in * scale)}, as PyTorch computes it. */
    static long outSize(long in, double scale) {
        return (long) Math.floor(in * scale);
    }

    /** x [B, C, H, W] -> [B, C, floor(H m), floor(W m)]. */
    static Tensor apply(Tensor x, Interpolation method, double scale) {
        long h = x.size(2);
        long w = x.size(3);
        long oh = outSize(h, scale);
        long ow = outSize(w, scale);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("x: resizing " + h + " x " + w + " by " + scale + " leaves an empty "
                    + "map (" + oh + " x " + ow + "); use fewer stages or a larger multiplier");
        }
        Tensor y = alongLast(x, method, w, ow, scale);                          // (B, C, H, W')
        y = alongLast(y.transpose(2, 3), method, h, oh, scale);                 // (B, C, W', H')
        return y.transpose(2, 3);                                               // (B, C, H', W')
    }

    /** Resizes the last axis of a rank-4 tensor from {@code in} to {@code out} samples. */
    private static Tensor alongLast(Tensor x, Interpolation method, long in, long out, double scale) {
        if (in == out && (method != Interpolation.BILINEAR || scale == 1.0)) {
            return x;                        // identity (bilinear with a scale other than in/out still moves)
        }
        if (method == Interpolation.NEAREST) {
            long[] s = x.shape();                                                // (B, C, R, in)
            Tensor table = x.permute(3, 0, 1, 2).reshape(in, s[0] * s[1] * s[2]); // (in, B*C*R)
            Tensor rows = Indexing.embedding(table, Tensor.of(nearestIndices(in, out, scale), out));
            return rows.reshape(out, s[0], s[1], s[2]).permute(1, 2, 3, 0);      // (B, C, R, out)
        }
        double[] m = method == Interpolation.BILINEAR ? bilinearMatrix(in, out, scale) : areaMatrix(in, out);
        Tensor r = Tensor.of(m, out, in);
        if (r.dtype() != x.dtype()) {
            r = r.to(x.dtype());
        }
        return LinearAlgebra.linear(x, r, null);                                 // x R^T: (..., out)
    }

    /** Nearest: output i reads input {@code min(floor(i * (1/m)), in - 1)}, in float as PyTorch's kernel. */
    static long[] nearestIndices(long in, long out, double scale) {
        long[] idx = new long[Math.toIntExact(out)];
        float s = (float) (1.0 / scale);
        for (int i = 0; i < idx.length; i++) {
            if (out == in) {
                idx[i] = i;
            } else if (out == 2 * in) {
                idx[i] = i >> 1;
            } else {
                idx[i] = Math.min((long) Math.floor(i * s), in - 1);
            }
        }
        return idx;
    }

    /** Bilinear (align_corners False) weights [out, in], row-major. */
    static double[] bilinearMatrix(long in, long out, double scale) {
        int n = Math.toIntExact(in);
        double[] m = new double[Math.multiplyExact(Math.toIntExact(out), n)];
        for (int i = 0; i < out; i++) {
            double src = Math.max(0.0, (i + 0.5) / scale - 0.5);
            int i0 = (int) src;
            int i1 = i0 < n - 1 ? i0 + 1 : i0;
            double l1 = src - i0;
            m[i * n + i0] += 1 - l1;
            m[i * n + i1] += l1;
        }
        return m;
    }

    /** Area (adaptive average pooling) weights [out, in], row-major. */
    static double[] areaMatrix(long in, long out) {
        int n = Math.toIntExact(in);
        double[] m = new double[Math.multiplyExact(Math.toIntExact(out), n)];
        for (long i = 0; i < out; i++) {
            long start = Math.floorDiv(i * in, out);
            long end = Math.floorDiv((i + 1) * in + out - 1, out);
            for (long j = start; j < end; j++) {
                m[(int) (i * n + j)] = 1.0 / (end - start);
            }
        }
        return m;
    }
}
