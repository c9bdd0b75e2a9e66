package org.ldm4j.core.autograd;

import static org.ldm4j.core.autograd.Ops.grads;
import static org.ldm4j.core.autograd.Ops.result;

import java.util.Arrays;
import org.ldm4j.core.tensor.NdArrays;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products. {@link #matmul} never broadcasts: batched operands must have equal ranks and identical batch
 * dimensions, so a shape mistake is an error, not a silently different computation.
 *
 * <pre>{@code
 * Tensor sim = LinearAlgebra.matmul(q, k, false, true);   // [B, T, D] x [B, S, D]^T -> [B, T, S]
 * Tensor y = LinearAlgebra.linear(x, w, b);               // x W^T + b over the last axis
 * }</pre>
 */
public final class LinearAlgebra {
    private LinearAlgebra() {
    }

    /** {@code op(a) op(b)} where op transposes the last two axes when asked. */
    public static Tensor matmul(Tensor a, Tensor b, boolean ta, boolean tb) {
        Shapes.checkSameDType("matmul", a, b);
        Shapes.checkFloating("matmul", a);
        long[] sa = a.shape();
        long[] sb = b.shape();
        if (sa.length < 2 || sb.length < 2 || sa.length != sb.length) {
            throw new IllegalArgumentException("matmul: expected two operands of equal rank >= 2, got "
                    + Shapes.str(sa) + " and " + Shapes.str(sb) + " (reshape or expand explicitly)");
        }
        int r = sa.length;
        if (!Arrays.equals(Arrays.copyOf(sa, r - 2), Arrays.copyOf(sb, r - 2))) {
            throw new IllegalArgumentException("matmul: batch dimensions differ: " + Shapes.str(sa) + " and "
                    + Shapes.str(sb) + " (matmul does not broadcast; expand explicitly)");
        }
        long k1 = ta ? sa[r - 2] : sa[r - 1];
        long k2 = tb ? sb[r - 1] : sb[r - 2];
        if (k1 != k2) {
            throw new IllegalArgumentException("matmul: inner dimensions differ: " + k1 + " vs " + k2 + " in "
                    + Shapes.str(sa) + (ta ? "^T" : "") + " x " + Shapes.str(sb) + (tb ? "^T" : ""));
        }
        INDArray aa = a.array();
        INDArray ba = b.array();
        INDArray y = mm(aa, ba, ta, tb);
        return result("matmul", y, g -> {
            INDArray ga = null;
            INDArray gb = null;
            if (a.requiresGrad()) {
                // d op(a) = g op(b)^T;  if ta: da = (g op(b)^T)^T = op(b) g^T
                ga = ta ? mm(ba, g, tb, true) : mm(g, ba, false, !tb);
            }
            if (b.requiresGrad()) {
                // d op(b) = op(a)^T g;  if tb: db = (op(a)^T g)^T = g^T op(a)
                gb = tb ? mm(g, aa, true, ta) : mm(aa, g, !ta, false);
            }
            return grads(ga, gb);
        }, a, b);
    }

    /** A fresh row-major product of {@code op(a) op(b)}. */
    static INDArray mm(INDArray a, INDArray b, boolean ta, boolean tb) {
        int r = a.rank();
        long[] s = a.shape().clone();       // ND4J returns its own shape array: never write into it
        s[r - 2] = ta ? a.size(r - 1) : a.size(r - 2);
        s[r - 1] = tb ? b.size(r - 2) : b.size(r - 1);
        INDArray out = Nd4j.createUninitialized(a.dataType(), s);
        return Nd4j.matmul(a, b, out, ta, tb, false);
    }

    /**
     * {@code y = x W^T + b} over the last axis: x [..., in], weight [out, in] (PyTorch's layout), bias [out] or
     * null.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        Shapes.checkRank("weight", weight, 2);
        long in = weight.size(1);
        long out = weight.size(0);
        Shapes.checkDim("x", x, -1, in, "input features");
        Shapes.checkSameDType("linear", x, weight);
        if (bias != null) {
            Shapes.checkShape("bias", bias, out);
        }
        long[] xs = x.shape();
        long rows = x.numel() / in;
        long[] ys = xs.clone();
        ys[ys.length - 1] = out;
        INDArray x0 = x.array();
        INDArray xd = NdArrays.dense(x0);
        INDArray x2 = xd.reshape('c', rows, in);
        INDArray w = weight.array();
        INDArray y2 = mm(x2, w, false, true);                     // [rows, out]
        if (bias != null) {
            y2.addiRowVector(bias.array());
        }
        INDArray y = Ops.owned(y2, ys);                           // [..., out]
        return result("linear", y, g -> {
            INDArray gd = NdArrays.dense(g);
            INDArray g2 = gd.reshape('c', rows, out);
            INDArray gx = x.requiresGrad() ? mm(g2, w, false, false).reshape('c', xs) : null;
            INDArray gw = weight.requiresGrad() ? mm(g2, x2, true, false) : null;
            INDArray gb = bias != null && bias.requiresGrad() ? g2.sum(0) : null;
            NdArrays.freeIfCopy(gd, g);
            return grads(gx, gw, gb);
        }, () -> NdArrays.freeIfCopy(xd, x0), x, weight, bias);
    }
}
