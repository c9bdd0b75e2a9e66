package org.ldm4j.unet;

import java.util.List;
import org.ldm4j.core.autograd.Checkpoint;
import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.Dropout;
import org.ldm4j.core.nn.GroupNorm;
import org.ldm4j.core.nn.Linear;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.Sequential;
import org.ldm4j.core.nn.SiLU;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The U-Net's residual block, conditioned on the timestep embedding
 * ({@code ldm.modules.diffusionmodules.openaimodel.ResBlock}):
 * <pre>
 *   h = in_layers(x)                        = conv3x3(SiLU(GN(x)))       (resampling h and x between SiLU and conv)
 *   e = emb_layers(emb)                     = Linear(SiLU(emb))[:, :, None, None]
 *   h = out_layers(h + e)                   = conv3x3(Dropout(SiLU(GN(h + e))))
 *     or, with scale-shift norm, (scale, shift) = chunk(e, 2):
 *   h = conv3x3(Dropout(SiLU(GN(h) * (1 + scale) + shift)))
 *   return skip_connection(x) + h           (identity when the channels match, else a 1x1 or 3x3 conv)
 * </pre>
 * GroupNorms are the reference's {@code GroupNorm32}: 32 groups, eps 1e-5. {@code out_layers.3} starts at zero
 * ({@code zero_module}). Keys: {@code in_layers.{0,2}}, {@code emb_layers.1}, {@code out_layers.{0,3}},
 * {@code skip_connection}.
 *
 * <pre>{@code
 * ResBlock block = new ResBlock(64, 256, 0.0, 128, false, false, false, ResBlock.Resample.NONE, rng);
 * Tensor h = block.forward(x, emb);            // [B, 64, H, W], [B, 256] -> [B, 128, H, W]
 * }</pre>
 */
public final class ResBlock extends Module {
    /** The reference's {@code GroupNorm32} eps (nn.GroupNorm's default). */
    static final double EPS = 1e-5;

    /**
     * Resampling inside the block ({@code up=True} / {@code down=True}): nearest x2 or 2x2 average pooling, applied
     * to both the branch (between SiLU and the first conv) and the skip path.
     *
     * <pre>{@code
     * new ResBlock(128, 512, 0.0, 128, false, true, false, ResBlock.Resample.DOWN, rng);   // halves H and W
     * }</pre>
     */
    public enum Resample { NONE, UP, DOWN }

    private final int channels;
    private final int embChannels;
    private final int outChannels;
    private final boolean scaleShift;
    private final boolean checkpoint;
    private final Resample resample;
    private final GroupNorm inNorm;
    private final Conv2d inConv;
    private final Linear embLinear;
    private final GroupNorm outNorm;
    private final Dropout dropout;
    private final Conv2d outConv;
    private final Conv2d skip;

    /** A plain block from {@code channels} to {@code outChannels}: no resampling, no scale-shift, 1x1 skip conv. */
    public ResBlock(int channels, int embChannels, int outChannels, Rng rng) {
        this(channels, embChannels, 0.0, outChannels, false, false, false, Resample.NONE, rng);
    }

    /**
     * @param channels          input channels (a multiple of 32)
     * @param embChannels       width of the embedding {@code emb}
     * @param dropout           dropout probability before the last conv
     * @param outChannels       output channels (a multiple of 32)
     * @param useConv           a 3x3 instead of a 1x1 skip convolution when the channels change
     * @param useScaleShiftNorm FiLM-like conditioning (emb_layers gives {@code 2 * outChannels})
     * @param useCheckpoint     recompute the block in backward ({@link Checkpoint})
     * @param resample          up- or downsample inside the block
     */
    public ResBlock(int channels, int embChannels, double dropout, int outChannels, boolean useConv,
                    boolean useScaleShiftNorm, boolean useCheckpoint, Resample resample, Rng rng) {
        if (resample == null) {
            throw new IllegalArgumentException("resample: expected NONE, UP or DOWN, got null");
        }
        this.channels = channels;
        this.embChannels = embChannels;
        this.outChannels = outChannels;
        this.scaleShift = useScaleShiftNorm;
        this.checkpoint = useCheckpoint;
        this.resample = resample;
        inNorm = new GroupNorm(UNetConfig.GROUPS, channels, EPS);
        inConv = new Conv2d(channels, outChannels, 3, 1, 1, true, rng);
        register("in_layers", new Sequential(inNorm, new SiLU(), inConv));
        embLinear = new Linear(embChannels, useScaleShiftNorm ? 2L * outChannels : outChannels, true, rng);
        register("emb_layers", new Sequential(new SiLU(), embLinear));
        outNorm = new GroupNorm(UNetConfig.GROUPS, outChannels, EPS);
        this.dropout = new Dropout(dropout, dropout > 0 ? rng.split() : null);
        outConv = Inits.zero(new Conv2d(outChannels, outChannels, 3, 1, 1, true, rng));
        register("out_layers", new Sequential(outNorm, new SiLU(), this.dropout, outConv));
        if (outChannels == channels) {
            skip = null;
        } else {
            skip = register("skip_connection", useConv ? new Conv2d(channels, outChannels, 3, 1, 1, true, rng)
                    : new Conv2d(channels, outChannels, 1, 1, 0, true, rng));
        }
    }

    /** x [B, channels, H, W], emb [B, embChannels] -> [B, outChannels, H', W'] (H' = 2H up, H/2 down). */
    public Tensor forward(Tensor x, Tensor emb) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, channels, "channels");
        Shapes.checkRank("emb", emb, 2);
        Shapes.checkDim("emb", emb, 0, x.size(0), "batch entries (as x)");
        Shapes.checkDim("emb", emb, 1, embChannels, "embedding channels");
        if (resample == Resample.DOWN && (x.size(2) % 2 != 0 || x.size(3) % 2 != 0)) {
            throw new IllegalArgumentException("x: expected an even height and width to downsample, got "
                    + Shapes.str(x.shape()));
        }
        if (checkpoint) {
            return Checkpoint.apply(in -> compute(in[0], in[1]), x, emb);
        }
        return compute(x, emb);
    }

    private Tensor compute(Tensor x, Tensor emb) {
        Tensor h = inNorm.forward(x).silu();                                   // (B, C, H, W)
        if (resample != Resample.NONE) {
            h = Resampling.resample(h, resample == Resample.UP);
            x = Resampling.resample(x, resample == Resample.UP);
        }
        h = inConv.forward(h);                                                 // (B, out, H', W')
        Tensor e = embLinear.forward(emb.silu());                              // (B, out) or (B, 2 out)
        e = e.reshape(e.size(0), e.size(1), 1, 1);
        if (scaleShift) {
            List<Tensor> ss = e.chunk(2, 1);                                   // scale, shift: (B, out, 1, 1)
            h = outNorm.forward(h).mul(ss.get(0).add(1.0)).add(ss.get(1));
            h = outConv.forward(dropout.forward(h.silu()));
        } else {
            h = outConv.forward(dropout.forward(outNorm.forward(h.add(e)).silu()));
        }
        return (skip == null ? x : skip.forward(x)).add(h);
    }

    public int inChannels() {
        return channels;
    }

    public int outChannels() {
        return outChannels;
    }

    @Override
    protected String extraRepr() {
        return "in=" + channels + ", out=" + outChannels + ", emb=" + embChannels + ", scaleShift=" + scaleShift
                + ", resample=" + resample + ", checkpoint=" + checkpoint;
    }
}
