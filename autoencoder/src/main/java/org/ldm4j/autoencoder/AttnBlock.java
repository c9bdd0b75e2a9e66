package org.ldm4j.autoencoder;

import org.ldm4j.core.autograd.Attention;
import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.GroupNorm;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The autoencoder's single-head spatial self-attention ({@code ldm.modules.diffusionmodules.model.AttnBlock}):
 * {@code h = norm(x)}; q, k, v are 1x1 convolutions of h; every pixel i attends to every pixel j with
 * {@code w_ij = softmax_j(q_i . k_j * C^-1/2)}; the result goes through {@code proj_out} (1x1) and is added to x.
 * Keys: {@code norm, q, k, v, proj_out}.
 *
 * <pre>{@code
 * AttnBlock attn = new AttnBlock(512, rng);
 * Tensor h = attn.forward(x);                  // [B, 512, H, W] -> [B, 512, H, W]
 * }</pre>
 */
public final class AttnBlock extends Module implements Layer {
    private final int channels;
    private final GroupNorm norm;
    private final Conv2d q;
    private final Conv2d k;
    private final Conv2d v;
    private final Conv2d projOut;

    /** An attention block over {@code channels} (a multiple of 32) channels. */
    public AttnBlock(int channels, Rng rng) {
        this.channels = channels;
        norm = register("norm", new GroupNorm(AutoencoderConfig.GROUPS, channels, ResnetBlock.EPS));
        q = register("q", new Conv2d(channels, channels, 1, 1, 0, true, rng));
        k = register("k", new Conv2d(channels, channels, 1, 1, 0, true, rng));
        v = register("v", new Conv2d(channels, channels, 1, 1, 0, true, rng));
        projOut = register("proj_out", new Conv2d(channels, channels, 1, 1, 0, true, rng));
    }

    /** x [B, C, H, W] -> [B, C, H, W]. */
    @Override
    public Tensor forward(Tensor x) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, channels, "channels");
        long[] s = x.shape();
        long b = s[0];
        long hw = s[2] * s[3];
        Tensor h = norm.forward(x);
        Tensor qs = tokens(q.forward(h), b, hw);                             // (B, HW, C)
        Tensor ks = tokens(k.forward(h), b, hw);
        Tensor vs = tokens(v.forward(h), b, hw);
        // out_i = sum_j softmax_j(q_i . k_j / sqrt(C)) v_j                   // (B, HW, C)
        Tensor a = Attention.scaledDotProduct(qs, ks, vs, null, 1.0 / Math.sqrt(channels));
        Tensor back = a.transpose(1, 2).reshape(s);                          // (B, C, H, W)
        return x.add(projOut.forward(back));
    }

    /** [B, C, H, W] -> (B, HW, C). */
    private Tensor tokens(Tensor t, long b, long hw) {
        return t.reshape(b, channels, hw).transpose(1, 2);
    }

    public int channels() {
        return channels;
    }

    @Override
    protected String extraRepr() {
        return "channels=" + channels;
    }
}
