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
 * The first stage's decoder ({@code ldm.modules.diffusionmodules.model.Decoder}): {@code conv_in} from
 * {@code zChannels}; the middle ({@code mid.*}); per level, from the deepest ({@code up.N-1}) to the first
 * ({@code up.0}), {@code numResBlocks + 1} ResnetBlocks to {@code ch * chMult[i]} channels with attention at the
 * listed resolutions and an Upsample except at level 0; {@code norm_out}, swish and {@code conv_out}. No tanh.
 *
 * <p>As in the reference, the levels run in reverse but are registered {@code up.0 .. up.N-1} in index order
 * (the reference builds them deepest first and prepends each), so the state-dict keys and order match.
 *
 * <pre>{@code
 * Decoder dec = new Decoder(AutoencoderConfig.klF8(), rng);
 * Tensor img = dec.forward(z);                 // [B, 4, 32, 32] -> [B, 3, 256, 256]
 * }</pre>
 */
public final class Decoder extends Module implements Layer {
    private final AutoencoderConfig config;
    private final Conv2d convIn;
    private final MidBlock mid;
    private final ModuleList<Level> up;
    private final GroupNorm normOut;
    private final Conv2d convOut;

    public Decoder(AutoencoderConfig config, Rng rng) {
        this.config = config;
        int levels = config.numResolutions();
        int blockIn = config.channels(levels - 1);
        int res = config.resolution() / config.downsamplingFactor();
        convIn = register("conv_in", new Conv2d(config.zChannels(), blockIn, 3, 1, 1, true, rng));
        mid = register("mid", new MidBlock(blockIn, config.dropout(), rng));
        Level[] built = new Level[levels];
        for (int i = levels - 1; i >= 0; i--) {                              // deepest first, as the reference
            int out = config.channels(i);
            built[i] = new Level(blockIn, out, config.numResBlocks() + 1, config.attnResolutions().contains(res),
                    config.dropout(), i == 0 ? null : "upsample", rng);
            blockIn = out;
            if (i != 0) {
                res *= 2;
            }
        }
        up = register("up", new ModuleList<>());
        for (Level l : built) {
            up.add(l);                                                       // registered up.0, up.1, ...
        }
        normOut = register("norm_out", new GroupNorm(AutoencoderConfig.GROUPS, blockIn, ResnetBlock.EPS));
        convOut = register("conv_out", new Conv2d(blockIn, config.outCh(), 3, 1, 1, true, rng));
    }

    /** z [B, zChannels, h, w] -> [B, outCh, f*h, f*w]. */
    @Override
    public Tensor forward(Tensor z) {
        return forward(z, Tracer.NONE);
    }

    /** As {@link #forward(Tensor)}, reporting each module's output by its reference name (no prefix). */
    public Tensor forward(Tensor z, Tracer trace) {
        Shapes.checkRank("z", z, 4);
        Shapes.checkDim("z", z, 1, config.zChannels(), "latent channels");
        Tensor h = convIn.forward(z);                                        // (B, ch * chMult[-1], h, w)
        trace.record("conv_in", h);
        h = mid.forward(h, trace.prefixed("mid."));
        for (int i = up.size() - 1; i >= 0; i--) {
            h = up.get(i).forward(h, trace.prefixed("up." + i + "."));
        }
        h = normOut.forward(h);                                              // (B, ch * chMult[0], f*h, f*w)
        trace.record("norm_out", h);
        return convOut.forward(h.silu());
    }

    /** The last layer's weight ({@code conv_out.weight}), where the loss measures gradient norms. */
    public Tensor lastLayerWeight() {
        return convOut.weight();
    }

    public AutoencoderConfig config() {
        return config;
    }
}
