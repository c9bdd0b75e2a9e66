package org.ldm4j.autoencoder;

import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.GroupNorm;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.nn.ModuleList;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The first stage's encoder ({@code ldm.modules.diffusionmodules.model.Encoder}): {@code conv_in}; per level i
 * ({@code down.i}) {@code numResBlocks} ResnetBlocks to {@code ch * chMult[i]} channels, with attention at the
 * listed resolutions, and a Downsample except after the last level; the middle ({@code mid.block_1},
 * {@code mid.attn_1}, {@code mid.block_2}); {@code norm_out}, swish and {@code conv_out} to {@code 2 * zChannels}
 * (with {@code doubleZ}) or {@code zChannels}.
 *
 * <pre>{@code
 * Encoder enc = new Encoder(AutoencoderConfig.klF8(), rng);
 * Tensor moments = enc.forward(x);             // [B, 3, 256, 256] -> [B, 8, 32, 32]
 * }</pre>
 */
public final class Encoder extends Module implements Layer {
    private final AutoencoderConfig config;
    private final Conv2d convIn;
    private final ModuleList<Level> down;
    private final MidBlock mid;
    private final GroupNorm normOut;
    private final Conv2d convOut;

    public Encoder(AutoencoderConfig config, Rng rng) {
        this.config = config;
        int ch = config.ch();
        convIn = register("conv_in", new Conv2d(config.inChannels(), ch, 3, 1, 1, true, rng));
        down = register("down", new ModuleList<>());
        int res = config.resolution();
        int blockIn = ch;
        int levels = config.numResolutions();
        for (int i = 0; i < levels; i++) {
            int out = config.channels(i);
            boolean last = i == levels - 1;
            down.add(new Level(blockIn, out, config.numResBlocks(), config.attnResolutions().contains(res),
                    config.dropout(), last ? null : "downsample", rng));
            blockIn = out;
            if (!last) {
                res /= 2;
            }
        }
        mid = register("mid", new MidBlock(blockIn, config.dropout(), rng));
        normOut = register("norm_out", new GroupNorm(AutoencoderConfig.GROUPS, blockIn, ResnetBlock.EPS));
        convOut = register("conv_out", new Conv2d(blockIn, config.encoderOutChannels(), 3, 1, 1, true, rng));
    }

    /** x [B, inChannels, H, W] (H, W multiples of the downsampling factor f) -> [B, encoderOut, H/f, W/f]. */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, Tracer.NONE);
    }

    /** As {@link #forward(Tensor)}, reporting each module's output by its reference name (no prefix). */
    public Tensor forward(Tensor x, Tracer trace) {
        checkImage("x", x, config.inChannels(), config.downsamplingFactor());
        Tensor h = convIn.forward(x);                                        // (B, ch, H, W)
        trace.record("conv_in", h);
        for (int i = 0; i < down.size(); i++) {
            h = down.get(i).forward(h, trace.prefixed("down." + i + "."));
        }
        h = mid.forward(h, trace.prefixed("mid."));                         // (B, ch * chMult[-1], H/f, W/f)
        h = normOut.forward(h);
        trace.record("norm_out", h);
        return convOut.forward(h.silu());
    }

    public AutoencoderConfig config() {
        return config;
    }

    /** Checks an NCHW image argument: rank 4, {@code channels} channels, H and W multiples of {@code factor}. */
    static void checkImage(String arg, Tensor x, int channels, int factor) {
        Shapes.checkRank(arg, x, 4);
        Shapes.checkDim(arg, x, 1, channels, "channels");
        if (x.size(2) % factor != 0 || x.size(3) % factor != 0) {
            throw new IllegalArgumentException(arg + ": expected height and width divisible by the downsampling "
                    + "factor " + factor + ", got " + Shapes.str(x.shape()));
        }
    }
}
