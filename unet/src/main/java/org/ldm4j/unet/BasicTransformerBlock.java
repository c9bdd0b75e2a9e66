package org.ldm4j.unet;

import org.ldm4j.core.autograd.Checkpoint;
import org.ldm4j.core.nn.LayerNorm;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * A pre-norm transformer layer over tokens with cross-attention ({@code ldm.modules.attention.BasicTransformerBlock}):
 * <pre>
 *   x = attn1(norm1(x)) + x                   self-attention
 *   x = attn2(norm2(x), context) + x          cross-attention (self-attention without a context)
 *   x = ff(norm3(x)) + x                      GEGLU feed-forward
 * </pre>
 * LayerNorms use eps 1e-5. Keys, in the reference's registration order: {@code attn1}, {@code ff}, {@code attn2},
 * {@code norm1}, {@code norm2}, {@code norm3}.
 *
 * <pre>{@code
 * BasicTransformerBlock block = new BasicTransformerBlock(320, 8, 40, 768, 0.0, false, rng);
 * Tensor y = block.forward(x, context);        // [B, T, 320], [B, 77, 768] -> [B, T, 320]
 * }</pre>
 */
public final class BasicTransformerBlock extends Module {
    static final double LAYER_NORM_EPS = 1e-5;

    private final int dim;
    private final boolean checkpoint;
    private final CrossAttention attn1;
    private final FeedForward ff;
    private final CrossAttention attn2;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final LayerNorm norm3;

    /**
     * @param dim           token width ({@code heads * dimHead} in the U-Net)
     * @param contextDim    the context's feature size; 0 for none (attn2 is then a second self-attention)
     * @param useCheckpoint recompute the block in backward
     */
    public BasicTransformerBlock(int dim, int heads, int dimHead, int contextDim, double dropout,
                                 boolean useCheckpoint, Rng rng) {
        this.dim = dim;
        this.checkpoint = useCheckpoint;
        attn1 = register("attn1", new CrossAttention(dim, 0, heads, dimHead, dropout, rng));
        ff = register("ff", new FeedForward(dim, dropout, rng));
        attn2 = register("attn2", new CrossAttention(dim, contextDim, heads, dimHead, dropout, rng));
        norm1 = register("norm1", new LayerNorm(dim, LAYER_NORM_EPS, true));
        norm2 = register("norm2", new LayerNorm(dim, LAYER_NORM_EPS, true));
        norm3 = register("norm3", new LayerNorm(dim, LAYER_NORM_EPS, true));
    }

    /** x [B, T, dim], context [B, M, contextDim] or null -> [B, T, dim]. */
    public Tensor forward(Tensor x, Tensor context) {
        Shapes.checkRank("x", x, 3);
        Shapes.checkDim("x", x, 2, dim, "features");
        if (checkpoint) {
            return Checkpoint.apply(in -> compute(in[0], in[1]), x, context);
        }
        return compute(x, context);
    }

    private Tensor compute(Tensor x, Tensor context) {
        x = attn1.forward(norm1.forward(x), null).add(x);
        x = attn2.forward(norm2.forward(x), context).add(x);
        return ff.forward(norm3.forward(x)).add(x);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim + ", checkpoint=" + checkpoint;
    }
}
