package org.ldm4j.core.autograd;

import static org.ldm4j.core.autograd.Ops.grads;
import static org.ldm4j.core.autograd.Ops.result;

import org.ldm4j.core.tensor.NdArrays;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reductions over axes, with or without keeping the reduced axes as size 1. No axes means all of them.
 *
 * <pre>{@code
 * Tensor mu = Reductions.mean(x, true, 2, 3);    // [B, C, 1, 1]
 * }</pre>
 */
public final class Reductions {
    private Reductions() {
    }

    private static long count(long[] shape, int[] axes) {
        long n = 1;
        for (int a : axes) {
            n *= shape[a];
        }
        return n;
    }

    private static long[] outShape(long[] shape, int[] axes, boolean keepDims) {
        return keepDims ? Shapes.keepDims(shape, axes) : Shapes.dropDims(shape, axes);
    }

    /** Spreads a reduced gradient back over the input's shape. */
    private static INDArray spread(INDArray g, long[] keepShape, long[] inShape) {
        INDArray gd = NdArrays.dense(g);
        INDArray r = NdArrays.broadcastTo(gd.reshape('c', keepShape), inShape);
        NdArrays.freeIfCopy(gd, g);
        return r;
    }

    public static Tensor sum(Tensor x, boolean keepDims, int... axes) {
        Shapes.checkFloating("sum", x);
        long[] in = x.shape();
        int[] ax = Shapes.axes("axes", axes, in.length);
        long[] keep = Shapes.keepDims(in, ax);
        INDArray y = Ops.owned(x.array().sum(true, ax), outShape(in, ax, keepDims));
        return result("sum", y, g -> grads(spread(g, keep, in)), x);
    }

    public static Tensor mean(Tensor x, boolean keepDims, int... axes) {
        Shapes.checkFloating("mean", x);
        long[] in = x.shape();
        int[] ax = Shapes.axes("axes", axes, in.length);
        long[] keep = Shapes.keepDims(in, ax);
        double inv = 1.0 / count(in, ax);
        INDArray y = Ops.owned(x.array().mean(true, ax), outShape(in, ax, keepDims));
        return result("mean", y, g -> grads(spread(g, keep, in).muli(inv)), x);
    }

    /** Variance; {@code unbiased} divides by N-1 instead of N. */
    public static Tensor var(Tensor x, boolean unbiased, boolean keepDims, int... axes) {
        Shapes.checkFloating("var", x);
        long[] in = x.shape();
        int[] ax = Shapes.axes("axes", axes, in.length);
        long[] keep = Shapes.keepDims(in, ax);
        long n = count(in, ax);
        if (unbiased && n < 2) {
            throw new IllegalArgumentException("var: the unbiased variance needs at least 2 elements per group, got "
                    + n + " in " + Shapes.str(in));
        }
        double denom = unbiased ? n - 1 : n;
        INDArray xa = x.array();
        INDArray mu = xa.mean(true, ax);
        INDArray d = xa.sub(mu);                       // x - mean (two-pass: exact for large means)
        INDArray d2 = d.mul(d);
        INDArray y = Ops.owned(d2.sum(true, ax).divi(denom), outShape(in, ax, keepDims));
        Ops.free(mu, d2);
        return result("var", y, g -> grads(spread(g, keep, in).muli(d).muli(2.0 / denom)), () -> Ops.free(d), x);
    }

    /** The maximum; where several elements tie, the gradient is shared equally among them. */
    public static Tensor max(Tensor x, boolean keepDims, int... axes) {
        Shapes.checkFloating("max", x);
        long[] in = x.shape();
        int[] ax = Shapes.axes("axes", axes, in.length);
        long[] keep = Shapes.keepDims(in, ax);
        INDArray xa = x.array();
        INDArray mk = xa.max(true, ax).reshape('c', keep);
        INDArray y = Ops.owned(mk, outShape(in, ax, keepDims));
        return result("max", y, g -> {
            INDArray mkFull = NdArrays.broadcastTo(mk, in);
            INDArray mask = Ops.mask(xa.eq(mkFull), xa.dataType());
            INDArray ties = mask.sum(true, ax);
            INDArray share = g.reshape('c', keep).div(ties);
            INDArray shareFull = NdArrays.broadcastTo(share, in);
            mask.muli(shareFull);
            Ops.free(mkFull, ties, share, shareFull);
            return grads(mask);
        }, x);
    }

    /** Indices (int64) of the largest value along {@code dim}, dropping it; the first one where several tie. */
    public static Tensor argmax(Tensor x, int dim) {
        return argExtreme(x, dim, true);
    }

    /** Indices (int64) of the smallest value along {@code dim}, dropping it; the first one where several tie. */
    public static Tensor argmin(Tensor x, int dim) {
        return argExtreme(x, dim, false);
    }

    private static Tensor argExtreme(Tensor x, int dim, boolean max) {
        Shapes.checkFloating(max ? "argmax" : "argmin", x);
        int d = Shapes.axis("dim", dim, x.rank());
        INDArray xa = x.array();
        INDArray idx = Nd4j.exec(max ? new org.nd4j.linalg.api.ops.impl.indexaccum.custom.ArgMax(xa, false, new int[] {d})
                : new org.nd4j.linalg.api.ops.impl.indexaccum.custom.ArgMin(xa, false, new int[] {d}))[0];
        INDArray asLong = idx.dataType() == org.nd4j.linalg.api.buffer.DataType.LONG ? idx
                : idx.castTo(org.nd4j.linalg.api.buffer.DataType.LONG);
        if (asLong != idx) {
            Ops.free(idx);
        }
        return Tensor.wrap(Ops.owned(asLong, Shapes.dropDims(x.shape(), new int[] {d})));
    }
}
