package org.ldm4j.conditioning.text.clip;

import org.ldm4j.core.autograd.Attention;
import org.ldm4j.core.nn.Linear;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

/**
 * huggingface's {@code CLIPAttention}: four biased width x width projections and scaled dot-product attention
 * with scale {@code headDim^-1/2} and an additive mask. Keys (registered in the reference's order):
 * {@code k_proj}, {@code v_proj}, {@code q_proj}, {@code out_proj}, each {@code .weight}, {@code .bias}.
 *
 * <pre>{@code
 * ClipAttention attn = new ClipAttention(768, 12, rng);
 * Tensor y = attn.forward(x, causalMask);          // [B, 77, 768], mask [77, 77] -> [B, 77, 768]
 * }</pre>
 */
final class ClipAttention extends Module {
    private final int heads;
    private final int headDim;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear qProj;
    private final Linear outProj;

    ClipAttention(int width, int heads, Rng rng) {
        this.heads = heads;
        this.headDim = width / heads;
        kProj = register("k_proj", new Linear(width, width, true, rng));
        vProj = register("v_proj", new Linear(width, width, true, rng));
        qProj = register("q_proj", new Linear(width, width, true, rng));
        outProj = register("out_proj", new Linear(width, width, true, rng));
    }

    /** x [B, N, W], additive mask broadcastable to [B, heads, N, N] or null -> [B, N, W]. */
    Tensor forward(Tensor x, Tensor mask) {
        long b = x.size(0);
        long n = x.size(1);
        Tensor q = split(qProj.forward(x), b, n);                                  // (B, h, N, d)
        Tensor k = split(kProj.forward(x), b, n);
        Tensor v = split(vProj.forward(x), b, n);
        Tensor out = Attention.scaledDotProduct(q, k, v, mask, Math.pow(headDim, -0.5));   // (B, h, N, d)
        out = out.permute(0, 2, 1, 3).reshape(b, n, (long) heads * headDim);     // (B, N, W)
        return outProj.forward(out);
    }

    private Tensor split(Tensor t, long b, long n) {
        return t.reshape(b, n, heads, headDim).permute(0, 2, 1, 3);
    }

    @Override
    protected String extraRepr() {
        return "heads=" + heads + ", headDim=" + headDim;
    }
}
