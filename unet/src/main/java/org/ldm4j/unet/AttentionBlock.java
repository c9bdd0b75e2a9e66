package org.ldm4j.unet;

import java.util.List;
import org.ldm4j.core.autograd.Attention;
import org.ldm4j.core.autograd.Checkpoint;
import org.ldm4j.core.nn.Conv1d;
import org.ldm4j.core.nn.GroupNorm;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The U-Net's legacy spatial self-attention ({@code openaimodel.AttentionBlock} with {@code QKVAttentionLegacy}):
 * <pre>
 *   qkv = qkv(GN(x))                      Conv1d C -> 3C over the T = H*W positions: [B, 3C, T]
 *   heads-major layout: qkv.reshape(B * heads, 3 * ch, T) splits into q, k, v of [B * heads, ch, T] each
 *   w = softmax_s((q * ch^-1/4)^T (k * ch^-1/4))   the scale applied to q and to k, not to the product
 *   a = (w v^T)^T reshaped to [B, heads * ch, T]
 *   return x + proj_out(a)                Conv1d C -> C, starting at zero
 * </pre>
 * So channel {@code c} of {@code qkv} belongs to head {@code c / (3 ch)}, and within it to q, k or v by
 * {@code (c % (3 ch)) / ch}: the heads are outermost, unlike {@code QKVAttention}'s q/k/v-first order. The GroupNorm
 * is {@code normalization()}: 32 groups, eps 1e-5. Keys: {@code norm}, {@code qkv}, {@code proj_out}.
 *
 * <pre>{@code
 * AttentionBlock attn = new AttentionBlock(256, 8, false, rng);     // 8 heads of 32 channels
 * Tensor h = attn.forward(x);                                       // [B, 256, H, W] -> [B, 256, H, W]
 * }</pre>
 */
public final class AttentionBlock extends Module implements Layer {
    private final int channels;
    private final int heads;
    private final boolean checkpoint;
    private final GroupNorm norm;
    private final Conv1d qkv;
    private final Conv1d projOut;

    /** Self-attention over {@code channels} (a multiple of 32 and of {@code heads}) channels. */
    public AttentionBlock(int channels, int heads, boolean useCheckpoint, Rng rng) {
        if (heads < 1 || channels % heads != 0) {
            throw new IllegalArgumentException("heads: expected a positive divisor of the " + channels
                    + " channels, got " + heads);
        }
        this.channels = channels;
        this.heads = heads;
        this.checkpoint = useCheckpoint;
        norm = register("norm", new GroupNorm(UNetConfig.GROUPS, channels, ResBlock.EPS));
        qkv = register("qkv", new Conv1d(channels, 3L * channels, 1, true, rng));
        projOut = register("proj_out", Inits.zero(new Conv1d(channels, channels, 1, true, rng)));
    }

    /** x [B, C, H, W] -> [B, C, H, W]. */
    @Override
    public Tensor forward(Tensor x) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, channels, "channels");
        if (checkpoint) {
            return Checkpoint.apply(in -> compute(in[0]), x);
        }
        return compute(x);
    }

    private Tensor compute(Tensor x) {
        long[] s = x.shape();
        Tensor flat = x.reshape(s[0], channels, s[2] * s[3]);                 // (B, C, T)
        Tensor a = qkvAttentionLegacy(qkv.forward(norm.forward(flat)), heads); // (B, C, T)
        return flat.add(projOut.forward(a)).reshape(s);
    }

    /**
     * {@code QKVAttentionLegacy}: qkv [B, heads * 3 * ch, T] (heads outermost) -> [B, heads * ch, T], with
     * {@code ch^-1/4} applied to q and to k.
     */
    static Tensor qkvAttentionLegacy(Tensor qkv, int heads) {
        Shapes.checkRank("qkv", qkv, 3);
        long[] s = qkv.shape();
        if (s[1] % (3L * heads) != 0) {
            throw new IllegalArgumentException("qkv: expected a multiple of 3 * " + heads + " channels, got "
                    + Shapes.str(s));
        }
        long b = s[0];
        long t = s[2];
        long ch = s[1] / (3L * heads);
        List<Tensor> parts = qkv.reshape(b * heads, 3 * ch, t).split(1, ch, ch, ch);   // (B*heads, ch, T) each
        double scale = 1 / Math.sqrt(Math.sqrt(ch));
        Tensor q = parts.get(0).mul(scale).transpose(1, 2);                   // (B*heads, T, ch)
        Tensor k = parts.get(1).mul(scale).transpose(1, 2);
        Tensor v = parts.get(2).transpose(1, 2);
        Tensor a = Attention.scaledDotProduct(q, k, v, null, 1.0);           // (B*heads, T, ch)
        return a.transpose(1, 2).reshape(b, heads * ch, t);                   // (B, heads*ch, T)
    }

    public int channels() {
        return channels;
    }

    public int heads() {
        return heads;
    }

    @Override
    protected String extraRepr() {
        return "channels=" + channels + ", heads=" + heads + ", checkpoint=" + checkpoint;
    }
}
