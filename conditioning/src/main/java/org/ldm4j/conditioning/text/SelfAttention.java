package org.ldm4j.conditioning.text;

import org.ldm4j.core.autograd.Attention;
import org.ldm4j.core.nn.Linear;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * x-transformers' {@code Attention} as the reference's {@code Encoder} builds it (no context, no mask, no
 * talking heads, memory key/values or attention dropout):
 * <pre>
 *   q, k, v = to_q(x), to_k(x), to_v(x)              Linear D -> heads*dimHead, no bias
 *   b n (h d) -> b h n d;  out = softmax(q k^T * dimHead^-1/2) v;  b h n d -> b n (h d)
 *   return to_out(out)                               Linear heads*dimHead -> D, with bias
 * </pre>
 * Keys: {@code to_q.weight}, {@code to_k.weight}, {@code to_v.weight}, {@code to_out.weight},
 * {@code to_out.bias}.
 *
 * <pre>{@code
 * SelfAttention attn = new SelfAttention(1280, 8, 64, rng);
 * Tensor y = attn.forward(x);              // [B, N, 1280] -> [B, N, 1280]
 * }</pre>
 */
final class SelfAttention extends Module {
    private final int heads;
    private final int dimHead;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;

    SelfAttention(long dim, int heads, int dimHead, Rng rng) {
        this.heads = heads;
        this.dimHead = dimHead;
        long inner = (long) heads * dimHead;
        toQ = register("to_q", new Linear(dim, inner, false, rng));
        toK = register("to_k", new Linear(dim, inner, false, rng));
        toV = register("to_v", new Linear(dim, inner, false, rng));
        toOut = register("to_out", new Linear(inner, dim, true, rng));
    }

    /** x [B, N, D] -> [B, N, D]. */
    Tensor forward(Tensor x) {
        long b = x.size(0);
        long n = x.size(1);
        Tensor q = split(toQ.forward(x), b, n);                                   // (B, h, N, d)
        Tensor k = split(toK.forward(x), b, n);
        Tensor v = split(toV.forward(x), b, n);
        Tensor out = Attention.scaledDotProduct(q, k, v, null, Math.pow(dimHead, -0.5));   // (B, h, N, d)
        out = out.permute(0, 2, 1, 3).reshape(b, n, (long) heads * dimHead);    // (B, N, h*d)
        return toOut.forward(out);
    }

    private Tensor split(Tensor t, long b, long n) {
        return t.reshape(b, n, heads, dimHead).permute(0, 2, 1, 3);
    }

    @Override
    protected String extraRepr() {
        return "heads=" + heads + ", dimHead=" + dimHead;
    }
}
