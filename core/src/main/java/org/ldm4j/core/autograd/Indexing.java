package org.ldm4j.core.autograd;

import static org.ldm4j.core.autograd.Ops.grads;
import static org.ldm4j.core.autograd.Ops.result;

import java.util.Arrays;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.NdArrays;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Embedding lookup and elementwise selection.
 *
 * <pre>{@code
 * Tensor e = Indexing.embedding(table, labels);             // [V, D] rows at int64 labels [B] -> [B, D]
 * Tensor s = Indexing.where(mask, x, Tensor.scalar(-1e9));  // x where mask, else -1e9
 * }</pre>
 */
public final class Indexing {
    private Indexing() {
    }

    /** Rows of {@code table} [V, D] at integer {@code indices} of any shape: [*indices.shape, D]. */
    public static Tensor embedding(Tensor table, Tensor indices) {
        Shapes.checkRank("table", table, 2);
        if (indices.dtype() != DType.INT64 && indices.dtype() != DType.INT32) {
            throw new IllegalArgumentException("indices: expected INT64 or INT32, got " + indices.dtype());
        }
        long v = table.size(0);
        long d = table.size(1);
        long[] idx = indices.toLongArray();
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= v) {
                throw new IllegalArgumentException("indices: expected values in [0, " + v + "), got " + idx[i]
                        + " at flat position " + i);
            }
        }
        long[] outShape = Arrays.copyOf(indices.shape(), indices.rank() + 1);
        outShape[outShape.length - 1] = d;
        INDArray idxArray = Nd4j.createFromArray(idx);
        INDArray t0 = table.array();
        INDArray t = NdArrays.dense(t0);
        INDArray rows = Nd4j.createUninitialized(t.dataType(), idx.length, d);
        Nd4j.exec(DynamicCustomOp.builder("gather").addInputs(t, idxArray).addOutputs(rows)
                .addIntegerArguments(0).build());
        return result("embedding", Ops.owned(rows, outShape), g -> {
            INDArray gt = Nd4j.zeros(t.dataType(), v, d);
            INDArray gd = NdArrays.dense(g);
            INDArray upd = gd.reshape('c', idx.length, d);
            Nd4j.exec(DynamicCustomOp.builder("scatter_add").addInputs(gt, idxArray, upd).addOutputs(gt).build());
            NdArrays.freeIfCopy(gd, g);
            return grads(gt, null);
        }, () -> {
            Ops.free(idxArray);
            NdArrays.freeIfCopy(t, t0);
        }, table, indices);
    }

    /**
     * {@code a} where {@code condition} is true (non-zero), {@code b} elsewhere, with broadcasting over all
     * three. Unselected values never leak into the result, even infinities.
     */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        Shapes.checkSameDType("where", a, b);
        long[] shape = Shapes.broadcast("where", Shapes.broadcast("where", condition.shape(), a.shape()), b.shape());
        INDArray c = condition.array();
        INDArray aa = a.array();
        INDArray ba = b.array();
        INDArray cc = c.dataType() == aa.dataType() ? c : c.castTo(aa.dataType());
        INDArray ce = expand(cc, shape);
        INDArray m = ce.neq(0.0);                                  // BOOL [shape]
        NdArrays.freeIfCopy(ce, cc);
        NdArrays.freeIfCopy(cc, c);
        INDArray ae = expand(aa, shape);
        INDArray be = expand(ba, shape);
        INDArray y = Nd4j.createUninitialized(ae.dataType(), shape);
        Nd4j.exec(DynamicCustomOp.builder("select").addInputs(m, ae, be).addOutputs(y).build());
        NdArrays.freeIfCopy(ae, aa);
        NdArrays.freeIfCopy(be, ba);
        long[] sa = a.shape();
        long[] sb = b.shape();
        return result("where", y, g -> {
            INDArray fm = m.castTo(g.dataType());
            INDArray ga = a.requiresGrad() ? Ops.sumToFreeing(g.mul(fm), sa) : null;
            INDArray gb = b.requiresGrad() ? Ops.sumToFreeing(g.mul(fm.rsubi(1.0)), sb) : null;
            Ops.free(fm);
            return grads(null, ga, gb);
        }, () -> Ops.free(m), condition, a, b);
    }

    /** {@code x} broadcast to {@code shape}: {@code x} itself when it already is that and dense, else a copy. */
    private static INDArray expand(INDArray x, long[] shape) {
        if (Arrays.equals(x.shape(), shape)) {
            return NdArrays.dense(x);
        }
        return NdArrays.broadcastTo(x, shape);
    }

    /** One-hot rows: int {@code indices} of any shape to [*indices.shape, n] of {@code dtype}; no gradient. */
    public static Tensor oneHot(Tensor indices, int n, DType dtype) {
        if (indices.dtype() != DType.INT64 && indices.dtype() != DType.INT32) {
            throw new IllegalArgumentException("indices: expected INT64 or INT32, got " + indices.dtype());
        }
        long[] idx = indices.toLongArray();
        double[] v = new double[Math.multiplyExact(idx.length, n)];
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= n) {
                throw new IllegalArgumentException("indices: expected values in [0, " + n + "), got " + idx[i]
                        + " at flat position " + i);
            }
            v[i * n + (int) idx[i]] = 1;
        }
        long[] shape = Arrays.copyOf(indices.shape(), indices.rank() + 1);
        shape[shape.length - 1] = n;
        return Tensor.of(v, shape).to(dtype);
    }
}
