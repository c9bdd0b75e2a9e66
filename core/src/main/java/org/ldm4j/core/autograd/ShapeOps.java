package org.ldm4j.core.autograd;

import static org.ldm4j.core.autograd.Ops.grads;
import static org.ldm4j.core.autograd.Ops.result;
import static org.ldm4j.core.autograd.Ops.view;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.NdArrays;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Reshape, permute, slice, concatenate, split, pad, expand and cast. Reshape, permute and slice return views
 * that share the input's memory; the others copy.
 *
 * <pre>{@code
 * Tensor tokens = x.reshape(b, c, h * w).permute(0, 2, 1);     // b c h w -> b (h w) c
 * Tensor padded = ShapeOps.pad(x, 0, 1, 0, 1);                  // right 1, bottom 1, as the VAE's Downsample
 * }</pre>
 */
public final class ShapeOps {
    private ShapeOps() {
    }

    /** A new shape with the same number of elements; one entry may be -1. */
    public static Tensor reshape(Tensor x, long... shape) {
        long[] in = x.shape();
        long[] s = resolve(in, shape);
        if (Arrays.equals(in, s)) {
            return x;
        }
        INDArray xa = x.array();
        INDArray r = xa.reshape('c', s);
        Ops.Backward bw = g -> grads(g.reshape('c', in));
        if (r.data() == xa.data() || r.isView()) {
            return view("reshape", r, bw, x);
        }
        return result("reshape", Ops.owned(r, s), bw, x);      // ND4J copied a non-contiguous input
    }

    private static long[] resolve(long[] in, long[] shape) {
        long known = 1;
        int free = -1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (free >= 0) {
                    throw new IllegalArgumentException("shape: at most one -1 allowed, got " + Shapes.str(shape));
                }
                free = i;
            } else if (shape[i] < 0) {
                throw new IllegalArgumentException("shape: negative size in " + Shapes.str(shape));
            } else {
                known *= shape[i];
            }
        }
        long n = Shapes.numel(in);
        long[] s = shape.clone();
        if (free >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException("shape: cannot infer -1 in " + Shapes.str(shape) + " for "
                        + n + " elements of " + Shapes.str(in));
            }
            s[free] = n / known;
        } else if (known != n) {
            throw new IllegalArgumentException("shape: " + Shapes.str(shape) + " has " + known + " elements, the "
                    + "input " + Shapes.str(in) + " has " + n);
        }
        return s;
    }

    public static Tensor flatten(Tensor x, int start) {
        long[] in = x.shape();
        int s = Shapes.axis("start", start, Math.max(in.length, 1));
        long[] out = Arrays.copyOf(in, s + 1);
        out[s] = -1;
        return reshape(x, out);
    }

    public static Tensor unsqueeze(Tensor x, int dim) {
        long[] in = x.shape();
        int d = Shapes.axis("dim", dim, in.length + 1);
        long[] out = new long[in.length + 1];
        for (int i = 0, j = 0; i < out.length; i++) {
            out[i] = i == d ? 1 : in[j++];
        }
        return reshape(x, out);
    }

    public static Tensor squeeze(Tensor x, int dim) {
        long[] in = x.shape();
        int d = Shapes.axis("dim", dim, in.length);
        if (in[d] != 1) {
            throw new IllegalArgumentException("squeeze: expected size 1 at dim " + d + ", got " + in[d] + " in "
                    + Shapes.str(in));
        }
        long[] out = new long[in.length - 1];
        for (int i = 0, j = 0; i < in.length; i++) {
            if (i != d) {
                out[j++] = in[i];
            }
        }
        return reshape(x, out);
    }

    /** Reorders dimensions: output dim i is input dim {@code dims[i]}. */
    public static Tensor permute(Tensor x, int... dims) {
        int r = x.rank();
        if (dims.length != r) {
            throw new IllegalArgumentException("dims: expected " + r + " dimensions for " + Shapes.str(x.shape())
                    + ", got " + Arrays.toString(dims));
        }
        int[] p = new int[r];
        int[] inv = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            p[i] = Shapes.axis("dims", dims[i], r);
            if (seen[p[i]]) {
                throw new IllegalArgumentException("dims: not a permutation: " + Arrays.toString(dims));
            }
            seen[p[i]] = true;
            inv[p[i]] = i;
        }
        return view("permute", x.array().permute(p), g -> grads(g.permute(inv)), x);
    }

    public static Tensor transpose(Tensor x, int dim0, int dim1) {
        int r = x.rank();
        int[] p = new int[r];
        for (int i = 0; i < r; i++) {
            p[i] = i;
        }
        int a = Shapes.axis("dim0", dim0, r);
        int b = Shapes.axis("dim1", dim1, r);
        p[a] = b;
        p[b] = a;
        return permute(x, p);
    }

    private static INDArrayIndex[] window(int rank, int dim, long start, long end) {
        INDArrayIndex[] idx = new INDArrayIndex[rank];
        for (int i = 0; i < rank; i++) {
            idx[i] = i == dim ? NDArrayIndex.interval(start, end) : NDArrayIndex.all();
        }
        return idx;
    }

    /** Elements {@code [start, end)} along {@code dim} (a view). */
    public static Tensor slice(Tensor x, int dim, long start, long end) {
        long[] in = x.shape();
        int d = Shapes.axis("dim", dim, in.length);
        if (start < 0 || end > in[d] || start >= end) {
            throw new IllegalArgumentException("slice: expected 0 <= start < end <= " + in[d] + " along dim " + d
                    + " of " + Shapes.str(in) + ", got [" + start + ", " + end + ")");
        }
        INDArrayIndex[] idx = window(in.length, d, start, end);
        INDArray v = x.array().get(idx);
        return view("slice", v, g -> {
            INDArray full = Nd4j.zeros(g.dataType(), in);
            full.get(window(in.length, d, start, end)).assign(g);
            return grads(full);
        }, x);
    }

    /** Splits into pieces of the given sizes along {@code dim}. */
    public static List<Tensor> split(Tensor x, int dim, long... sizes) {
        int d = Shapes.axis("dim", dim, x.rank());
        long total = 0;
        for (long s : sizes) {
            total += s;
        }
        if (total != x.size(d)) {
            throw new IllegalArgumentException("sizes: " + Arrays.toString(sizes) + " add up to " + total
                    + ", dim " + d + " of " + Shapes.str(x.shape()) + " has " + x.size(d));
        }
        List<Tensor> out = new ArrayList<>(sizes.length);
        long at = 0;
        for (long s : sizes) {
            out.add(slice(x, d, at, at + s));
            at += s;
        }
        return out;
    }

    /** Splits into {@code chunks} equal pieces along {@code dim} (as torch.chunk when it divides evenly). */
    public static List<Tensor> chunk(Tensor x, int chunks, int dim) {
        int d = Shapes.axis("dim", dim, x.rank());
        long n = x.size(d);
        if (chunks <= 0 || n % chunks != 0) {
            throw new IllegalArgumentException("chunks: expected a divisor of " + n + " (dim " + d + " of "
                    + Shapes.str(x.shape()) + "), got " + chunks);
        }
        long[] sizes = new long[chunks];
        Arrays.fill(sizes, n / chunks);
        return split(x, d, sizes);
    }

    /** Joins tensors along {@code dim}; all other dimensions must agree. */
    public static Tensor concat(int dim, Tensor... xs) {
        if (xs.length == 0) {
            throw new IllegalArgumentException("concat: expected at least one tensor, got none");
        }
        long[] first = xs[0].shape();
        int d = Shapes.axis("dim", dim, first.length);
        INDArray[] arrays = new INDArray[xs.length];
        long[] offsets = new long[xs.length + 1];
        for (int i = 0; i < xs.length; i++) {
            long[] s = xs[i].shape();
            Shapes.checkSameDType("concat", xs[0], xs[i]);
            boolean ok = s.length == first.length;
            for (int k = 0; ok && k < s.length; k++) {
                ok = k == d || s[k] == first[k];
            }
            if (!ok) {
                throw new IllegalArgumentException("concat: tensor " + i + " has shape " + Shapes.str(s)
                        + ", expected " + Shapes.str(first) + " except along dim " + d);
            }
            arrays[i] = xs[i].array();
            offsets[i + 1] = offsets[i] + s[d];
        }
        INDArray y = Nd4j.concat(d, arrays);
        int rank = first.length;
        return result("concat", y, g -> {
            INDArray[] gs = new INDArray[xs.length];
            for (int i = 0; i < xs.length; i++) {
                gs[i] = xs[i].requiresGrad() ? g.get(window(rank, d, offsets[i], offsets[i + 1])) : null;
            }
            return gs;
        }, xs);
    }

    /**
     * Constant padding, in {@code torch.nn.functional.pad} order: (left, right) of the last dimension, then
     * (top, bottom) of the one before, and so on. Sizes must be non-negative.
     */
    public static Tensor pad(Tensor x, double value, long... pads) {
        long[] in = x.shape();
        if (pads.length % 2 != 0 || pads.length / 2 > in.length) {
            throw new IllegalArgumentException("pads: expected pairs for at most " + in.length + " dimensions, got "
                    + Arrays.toString(pads));
        }
        long[] out = in.clone();
        INDArrayIndex[] interior = new INDArrayIndex[in.length];
        Arrays.fill(interior, NDArrayIndex.all());
        for (int k = 0; k < pads.length / 2; k++) {
            int d = in.length - 1 - k;
            long before = pads[2 * k];
            long after = pads[2 * k + 1];
            if (before < 0 || after < 0) {
                throw new IllegalArgumentException("pads: expected non-negative sizes, got " + Arrays.toString(pads));
            }
            out[d] = in[d] + before + after;
            interior[d] = NDArrayIndex.interval(before, before + in[d]);
        }
        INDArray y = value == 0 ? Nd4j.zeros(x.array().dataType(), out)
                : Nd4j.valueArrayOf(out, value, x.array().dataType());
        y.get(interior).assign(x.array());
        return result("pad", y, g -> grads(g.get(interior)), x);
    }

    /** Repeats size-1 dimensions (and adds leading ones) to reach {@code shape}; a copy. */
    public static Tensor expand(Tensor x, long... shape) {
        long[] in = x.shape();
        long[] b = Shapes.broadcast("expand", in, shape);
        if (!Arrays.equals(b, shape)) {
            throw new IllegalArgumentException("expand: cannot expand " + Shapes.str(in) + " to " + Shapes.str(shape));
        }
        if (Arrays.equals(in, shape)) {
            return x;
        }
        INDArray y = NdArrays.broadcastTo(x.array(), shape);
        return result("expand", y, g -> grads(Ops.sumTo(g, in)), x);
    }

    /** The same values in fresh row-major memory, or {@code x} itself when it already is. */
    public static Tensor contiguous(Tensor x) {
        INDArray xa = x.array();
        if (Ops.isRowMajor(xa)) {
            return x;
        }
        return result("contiguous", xa.dup('c'), g -> grads(g), x);
    }

    /** Converts the element type; the gradient is converted back. */
    public static Tensor cast(Tensor x, DType type) {
        DType from = x.dtype();
        if (from == type) {
            return x;
        }
        INDArray y = x.array().castTo(type.nd4j());
        if (y.isView()) {
            y = y.dup('c');
        }
        return result("cast", y, g -> grads(g.castTo(from.nd4j())), x);
    }
}
