package org.ldm4j.unet;

import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.GroupNorm;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.ModuleList;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * A transformer over the pixels of a feature map, attending to a context ({@code ldm.modules.attention
 * .SpatialTransformer}), the paper's cross-attention conditioning:
 * <pre>
 *   h = proj_in(GN(x))                        GroupNorm(32, eps 1e-6) = Normalize(); 1x1 conv C -> heads * dimHead
 *   h = rearrange(h, b c h w -> b (h w) c)
 *   h = block(h, context) for each of transformer_blocks
 *   return proj_out(rearrange back) + x       1x1 conv back to C, starting at zero
 * </pre>
 * Keys: {@code norm}, {@code proj_in}, {@code transformer_blocks.i.*}, {@code proj_out}.
 *
 * <pre>{@code
 * SpatialTransformer st = new SpatialTransformer(320, 8, 40, 1, 0.0, 768, false, rng);
 * Tensor h = st.forward(x, context);           // [B, 320, 64, 64], [B, 77, 768] -> [B, 320, 64, 64]
 * }</pre>
 */
public final class SpatialTransformer extends Module {
    /** The eps of {@code Normalize()} in {@code ldm/modules/attention.py} (not the U-Net's 1e-5). */
    static final double NORM_EPS = 1e-6;

    private final int channels;
    private final int inner;
    private final GroupNorm norm;
    private final Conv2d projIn;
    private final ModuleList<BasicTransformerBlock> blocks;
    private final Conv2d projOut;

    /**
     * @param channels      channels of the feature map (a multiple of 32)
     * @param heads         attention heads
     * @param dimHead       channels per head; the tokens are {@code heads * dimHead} wide
     * @param depth         number of BasicTransformerBlocks
     * @param contextDim    the context's feature size (0: self-attention only)
     * @param useCheckpoint recompute each transformer block in backward
     */
    public SpatialTransformer(int channels, int heads, int dimHead, int depth, double dropout, int contextDim,
                              boolean useCheckpoint, Rng rng) {
        if (depth < 1) {
            throw new IllegalArgumentException("depth: expected at least one transformer block, got " + depth);
        }
        if (heads < 1 || dimHead < 1) {
            throw new IllegalArgumentException("heads: expected at least one head of at least one channel, got "
                    + heads + " x " + dimHead);
        }
        this.channels = channels;
        this.inner = heads * dimHead;
        norm = register("norm", new GroupNorm(UNetConfig.GROUPS, channels, NORM_EPS));
        projIn = register("proj_in", new Conv2d(channels, inner, 1, 1, 0, true, rng));
        blocks = register("transformer_blocks", new ModuleList<>());
        for (int d = 0; d < depth; d++) {
            blocks.add(new BasicTransformerBlock(inner, heads, dimHead, contextDim, dropout, useCheckpoint, rng));
        }
        projOut = register("proj_out", Inits.zero(new Conv2d(inner, channels, 1, 1, 0, true, rng)));
    }

    /** x [B, C, H, W], context [B, M, contextDim] (or null: self-attention) -> [B, C, H, W]. */
    public Tensor forward(Tensor x, Tensor context) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, channels, "channels");
        long[] s = x.shape();
        long b = s[0];
        long h = s[2];
        long w = s[3];
        Tensor t = projIn.forward(norm.forward(x))                            // (B, inner, H, W)
                .permute(0, 2, 3, 1).reshape(b, h * w, inner);                // (B, HW, inner)
        for (BasicTransformerBlock block : blocks) {
            t = block.forward(t, context);
        }
        Tensor back = t.reshape(b, h, w, inner).permute(0, 3, 1, 2);          // (B, inner, H, W)
        return projOut.forward(back).add(x);
    }

    public int channels() {
        return channels;
    }

    /** Token width: heads * dimHead. */
    public int innerDim() {
        return inner;
    }

    @Override
    protected String extraRepr() {
        return "channels=" + channels + ", inner=" + inner + ", depth=" + blocks.size();
    }
}
