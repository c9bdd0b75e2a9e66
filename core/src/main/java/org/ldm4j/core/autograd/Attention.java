package org.ldm4j.core.autograd;

import static org.ldm4j.core.autograd.Ops.free;
import static org.ldm4j.core.autograd.Ops.grads;
import static org.ldm4j.core.autograd.Ops.result;

import java.util.Arrays;
import org.ldm4j.core.tensor.NdArrays;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Scaled dot-product attention as one op: {@code softmax(q k^T * scale + mask) v}.
 *
 * <p>Memory: where the attention matrix of all queries would exceed {@link #chunkBytes()}, queries are
 * processed in chunks, and backward recomputes each chunk's probabilities from the saved row log-sum-exp
 * instead of keeping them (as memory-efficient attention does); below that, the probabilities are saved.
 * Either way the result is the same up to float rounding.
 *
 * <pre>{@code
 * // (B*heads, T, d) each; the reference's CrossAttention with its d^-0.5 scale
 * Tensor out = Attention.scaledDotProduct(q, k, v, null, 1.0 / Math.sqrt(d));
 * }</pre>
 */
public final class Attention {
    private static volatile long chunkBytes = 256L << 20;
    private static final ThreadLocal<long[]> LOCAL_BUDGET = new ThreadLocal<>();

    private Attention() {
    }

    /**
     * The largest attention matrix (in bytes) computed at once on this thread; larger ones are split by queries.
     * The process-wide default, unless a {@link #chunkBytesScope} is open on this thread.
     */
    public static long chunkBytes() {
        long[] local = LOCAL_BUDGET.get();
        return local != null ? local[0] : chunkBytes;
    }

    /**
     * Sets this thread's budget until the returned scope closes (e.g. one model's sampling loop), leaving other
     * threads and the process-wide default alone.
     *
     * <pre>{@code
     * try (Attention.BudgetScope b = Attention.chunkBytesScope(64L << 20)) { ... }
     * }</pre>
     */
    public static BudgetScope chunkBytesScope(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("bytes: expected a positive size, got " + bytes);
        }
        long[] previous = LOCAL_BUDGET.get();
        LOCAL_BUDGET.set(new long[] {bytes});
        return new BudgetScope(previous);
    }

    /** Restores the previous per-thread attention budget when closed. */
    public static final class BudgetScope implements AutoCloseable {
        private final long[] previous;

        private BudgetScope(long[] previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (previous == null) {
                LOCAL_BUDGET.remove();
            } else {
                LOCAL_BUDGET.set(previous);
            }
        }
    }

    /** Sets {@link #chunkBytes()} (e.g. lower it to fit 4096-token attention into a small memory). */
    public static void setChunkBytes(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("bytes: expected a positive size, got " + bytes);
        }
        chunkBytes = bytes;
    }

    /**
     * q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv] with identical leading dimensions; {@code mask} is an
     * additive float tensor broadcastable to [..., Tq, Tk] (use -inf, or a large negative, to block), or null.
     * Returns [..., Tq, Dv].
     */
    public static Tensor scaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor mask, double scale) {
        if (q.rank() < 3 || k.rank() != q.rank() || v.rank() != q.rank()) {
            throw new IllegalArgumentException("attention: expected q, k, v of equal rank >= 3, got "
                    + Shapes.str(q.shape()) + ", " + Shapes.str(k.shape()) + ", " + Shapes.str(v.shape()));
        }
        Shapes.checkSameDType("attention", q, k);
        Shapes.checkSameDType("attention", q, v);
        Shapes.checkFloating("attention", q);
        long[] qs = q.shape();
        long[] ks = k.shape();
        long[] vs = v.shape();
        int r = qs.length;
        long[] lead = Arrays.copyOf(qs, r - 2);
        if (!Arrays.equals(lead, Arrays.copyOf(ks, r - 2)) || !Arrays.equals(lead, Arrays.copyOf(vs, r - 2))) {
            throw new IllegalArgumentException("attention: leading dimensions differ: q " + Shapes.str(qs) + ", k "
                    + Shapes.str(ks) + ", v " + Shapes.str(vs));
        }
        if (qs[r - 1] != ks[r - 1]) {
            throw new IllegalArgumentException("attention: q and k feature sizes differ: " + Shapes.str(qs) + " vs "
                    + Shapes.str(ks));
        }
        if (ks[r - 2] != vs[r - 2]) {
            throw new IllegalArgumentException("attention: k and v lengths differ: " + Shapes.str(ks) + " vs "
                    + Shapes.str(vs));
        }
        long b = Shapes.numel(lead);
        long tq = qs[r - 2];
        long tk = ks[r - 2];
        long d = qs[r - 1];
        long dv = vs[r - 1];
        INDArray q0 = NdArrays.dense(q.array());
        INDArray k0 = NdArrays.dense(k.array());
        INDArray v0 = NdArrays.dense(v.array());
        INDArray q3 = q0.reshape('c', b, tq, d);
        INDArray k3 = k0.reshape('c', b, tk, d);
        INDArray v3 = v0.reshape('c', b, tk, dv);
        INDArray m3 = mask == null ? null : maskArray(mask, lead, b, tq, tk, q.array());
        int elem = q.array().dataType().width();
        long rows = Math.max(1, Math.min(tq, chunkBytes() / Math.max(1, b * tk * elem)));
        boolean chunked = rows < tq;
        long[] outShape = lead.length == 0 ? new long[] {tq, dv} : concat(lead, tq, dv);
        INDArray out = Nd4j.createUninitialized(q3.dataType(), b, tq, dv);
        INDArray lse = chunked ? Nd4j.createUninitialized(q3.dataType(), b, tq, 1) : null;
        INDArray probs = null;
        for (long i0 = 0; i0 < tq; i0 += rows) {
            long i1 = Math.min(tq, i0 + rows);
            INDArray p = scores(q3, k3, m3, i0, i1, scale);              // [b, n, tk]
            if (chunked) {
                // keep the row log-sum-exp so that backward can rebuild p without storing it
                INDArray mx = p.max(true, 2);
                INDArray e = Transforms.exp(p.subi(mx), false);
                INDArray s = e.sum(true, 2);
                INDArray logS = Transforms.log(s, true);
                lse.get(rowsOf(i0, i1)).assign(logS.addi(mx));
                e.divi(s);
                free(mx, s, logS);
            } else {
                Nd4j.exec(new SoftMax(p, p, 2));
                probs = p;
            }
            INDArray o = LinearAlgebra.mm(p, v3, false, false);
            if (chunked) {
                out.get(rowsOf(i0, i1)).assign(o);
                free(o, p);
            } else {
                free(out);
                out = o;
            }
        }
        INDArray saved = probs;
        INDArray mask3 = m3;
        INDArray outOwned = Ops.owned(out, outShape);
        return result("attention", outOwned, g -> {
            INDArray gd = NdArrays.dense(g);
            INDArray g3 = gd.reshape('c', b, tq, dv);
            INDArray o3 = outOwned.reshape('c', b, tq, dv);
            INDArray gq = q.requiresGrad() ? Nd4j.createUninitialized(q3.dataType(), b, tq, d) : null;
            INDArray gk = k.requiresGrad() ? Nd4j.zeros(q3.dataType(), b, tk, d) : null;
            INDArray gv = v.requiresGrad() ? Nd4j.zeros(q3.dataType(), b, tk, dv) : null;
            for (long i0 = 0; i0 < tq; i0 += rows) {
                long i1 = Math.min(tq, i0 + rows);
                INDArray p;
                if (saved != null) {
                    p = saved;
                } else {
                    p = scores(q3, k3, mask3, i0, i1, scale);
                    Transforms.exp(p.subi(lse.get(rowsOf(i0, i1))), false);
                }
                INDArray gc = chunked ? g3.get(rowsOf(i0, i1)).dup('c') : g3;
                if (gv != null) {
                    INDArray dv1 = LinearAlgebra.mm(p, gc, true, false);           // dV += P^T dO
                    gv.addi(dv1);
                    free(dv1);
                }
                INDArray dp = LinearAlgebra.mm(gc, v3, false, true);               // dP = dO V^T
                INDArray oc = chunked ? o3.get(rowsOf(i0, i1)) : o3;
                INDArray go = gc.mul(oc);
                INDArray rowDot = go.sum(true, 2);                                 // sum_j dP_ij P_ij = dO . O
                INDArray ds = dp.subi(rowDot).muli(p).muli(scale);                 // dS = P (dP - rowDot) * scale
                if (gq != null) {
                    INDArray dq = LinearAlgebra.mm(ds, k3, false, false);
                    if (chunked) {
                        gq.get(rowsOf(i0, i1)).assign(dq);
                        free(dq);
                    } else {
                        free(gq);
                        gq = dq;
                    }
                }
                if (gk != null) {
                    INDArray qc = chunked ? q3.get(rowsOf(i0, i1)).dup('c') : q3;
                    INDArray dk = LinearAlgebra.mm(ds, qc, true, false);
                    gk.addi(dk);
                    free(dk);
                    if (chunked) {
                        free(qc);
                    }
                }
                free(ds, go, rowDot);
                if (chunked) {
                    free(gc);
                }
                if (saved == null) {
                    free(p);
                }
            }
            NdArrays.freeIfCopy(gd, g);
            return grads(gq == null ? null : Ops.owned(gq, qs), gk == null ? null : Ops.owned(gk, ks),
                    gv == null ? null : Ops.owned(gv, vs));
        }, () -> {
            free(saved, lse, mask3);
            NdArrays.freeIfCopy(q0, q.array());
            NdArrays.freeIfCopy(k0, k.array());
            NdArrays.freeIfCopy(v0, v.array());
        }, q, k, v);
    }

    private static long[] concat(long[] lead, long a, long b) {
        long[] s = Arrays.copyOf(lead, lead.length + 2);
        s[lead.length] = a;
        s[lead.length + 1] = b;
        return s;
    }

    private static INDArrayIndex[] rowsOf(long i0, long i1) {
        return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.interval(i0, i1), NDArrayIndex.all()};
    }

    /** q_c k^T * scale (+ mask) for query rows [i0, i1): a fresh [b, n, tk] array. */
    private static INDArray scores(INDArray q3, INDArray k3, INDArray m3, long i0, long i1, double scale) {
        boolean all = i0 == 0 && i1 == q3.size(1);
        INDArray qc = all ? q3 : q3.get(rowsOf(i0, i1)).dup('c');
        INDArray s = LinearAlgebra.mm(qc, k3, false, true).muli(scale);
        if (!all) {
            free(qc);
        }
        if (m3 != null) {
            s.addi(m3.size(0) == 1 ? m3.get(NDArrayIndex.point(0), NDArrayIndex.interval(i0, i1), NDArrayIndex.all())
                    : m3.get(rowsOf(i0, i1)));
        }
        return s;
    }

    private static INDArray maskArray(Tensor mask, long[] lead, long b, long tq, long tk, INDArray like) {
        if (mask.dtype().nd4j() != like.dataType()) {
            throw new IllegalArgumentException("mask: expected an additive mask of q's dtype "
                    + org.ldm4j.core.tensor.DType.of(like.dataType()) + ", got " + mask.dtype());
        }
        long[] full = concat(lead, tq, tk);
        long[] bs = Shapes.broadcast("mask", mask.shape(), full);
        if (!Arrays.equals(bs, full)) {
            throw new IllegalArgumentException("mask: expected a shape broadcastable to " + Shapes.str(full)
                    + ", got " + Shapes.str(mask.shape()));
        }
        long[] ms = mask.shape();
        boolean shared = ms.length <= 2 || Shapes.numel(Arrays.copyOf(ms, ms.length - 2)) == 1;
        if (shared) {
            INDArray src = mask.array();
            INDArray md = NdArrays.dense(src);
            INDArray m2 = NdArrays.broadcastTo(md.reshape('c', ms.length >= 2 ? ms[ms.length - 2] : 1,
                    ms[ms.length - 1]), new long[] {tq, tk});
            NdArrays.freeIfCopy(md, src);
            return Ops.owned(m2, new long[] {1, tq, tk});
        }
        return Ops.owned(NdArrays.broadcastTo(mask.array(), full), new long[] {b, tq, tk});
    }
}
