package org.ldm4j.unet;

import org.ldm4j.core.autograd.Attention;
import org.ldm4j.core.nn.Dropout;
import org.ldm4j.core.nn.Linear;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.Sequential;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * Multi-head attention of a token sequence to a context ({@code ldm.modules.attention.CrossAttention}); with no
 * context it attends to itself:
 * <pre>
 *   q = to_q(x), k = to_k(context), v = to_v(context)       Linear layers without bias, to heads * dimHead
 *   split heads as b n (h d) -> (b h) n d                     channel index = head * dimHead + j
 *   out = softmax_j(q k^T * dimHead^-1/2) v, merged back to b n (h d)
 *   return to_out(out)                                        Linear with bias, then Dropout
 * </pre>
 * Large attention matrices (e.g. 4096 tokens of a 64x64 latent) are computed in chunks of queries by core's
 * {@link Attention} (see {@link UNetModel#setAttentionChunkBytes}). Keys: {@code to_q}, {@code to_k},
 * {@code to_v}, {@code to_out.0}.
 *
 * <pre>{@code
 * CrossAttention attn2 = new CrossAttention(320, 768, 8, 40, 0.0, rng);
 * Tensor h = attn2.forward(x, context);        // [B, 4096, 320], [B, 77, 768] -> [B, 4096, 320]
 * }</pre>
 */
public final class CrossAttention extends Module {
    private final int queryDim;
    private final int contextDim;
    private final int heads;
    private final int dimHead;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final Dropout dropout;

    /**
     * @param queryDim   feature size of {@code x}
     * @param contextDim feature size of the context; 0 for self-attention ({@code queryDim})
     * @param heads      number of heads
     * @param dimHead    channels per head
     * @param dropout    dropout probability after {@code to_out.0}
     */
    public CrossAttention(int queryDim, int contextDim, int heads, int dimHead, double dropout, Rng rng) {
        if (heads < 1 || dimHead < 1) {
            throw new IllegalArgumentException("heads: expected at least one head of at least one channel, got "
                    + heads + " x " + dimHead);
        }
        this.queryDim = queryDim;
        this.contextDim = contextDim == 0 ? queryDim : contextDim;
        this.heads = heads;
        this.dimHead = dimHead;
        int inner = heads * dimHead;
        toQ = register("to_q", new Linear(queryDim, inner, false, rng));
        toK = register("to_k", new Linear(this.contextDim, inner, false, rng));
        toV = register("to_v", new Linear(this.contextDim, inner, false, rng));
        toOut = new Linear(inner, queryDim, true, rng);
        this.dropout = new Dropout(dropout, dropout > 0 ? rng.split() : null);
        register("to_out", new Sequential(toOut, this.dropout));
    }

    /** x [B, N, queryDim], context [B, M, contextDim] or null (self-attention) -> [B, N, queryDim]. */
    public Tensor forward(Tensor x, Tensor context) {
        Shapes.checkRank("x", x, 3);
        Shapes.checkDim("x", x, 2, queryDim, "features");
        Tensor c = context == null ? x : context;
        Shapes.checkRank("context", c, 3);
        Shapes.checkDim("context", c, 0, x.size(0), "batch entries (as x)");
        Shapes.checkDim("context", c, 2, contextDim, "features" + (context == null ? " (self-attention: x is the"
                + " context)" : ""));
        long b = x.size(0);
        long n = x.size(1);
        Tensor q = splitHeads(toQ.forward(x), b);                               // (B, heads, N, d)
        Tensor k = splitHeads(toK.forward(c), b);                               // (B, heads, M, d)
        Tensor v = splitHeads(toV.forward(c), b);
        Tensor out = Attention.scaledDotProduct(q, k, v, null, Math.pow(dimHead, -0.5));   // (B, heads, N, d)
        out = out.permute(0, 2, 1, 3).reshape(b, n, (long) heads * dimHead);   // (B, N, heads*d)
        return dropout.forward(toOut.forward(out));
    }

    /** b n (h d) -> b h n d. */
    private Tensor splitHeads(Tensor t, long b) {
        return t.reshape(b, t.size(1), heads, dimHead).permute(0, 2, 1, 3);
    }

    public int heads() {
        return heads;
    }

    public int dimHead() {
        return dimHead;
    }

    @Override
    protected String extraRepr() {
        return "query=" + queryDim + ", context=" + contextDim + ", heads=" + heads + ", dimHead=" + dimHead;
    }
}
