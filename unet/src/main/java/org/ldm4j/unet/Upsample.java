package org.ldm4j.unet;

import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * Doubles the resolution ({@code openaimodel.Upsample}, 2-D): nearest-neighbour x2, then, when {@code useConv}, a
 * 3x3 convolution with padding 1 ({@code conv}). Keys: {@code conv.weight}, {@code conv.bias} with the convolution.
 *
 * <pre>{@code
 * Upsample up = new Upsample(64, true, 64, rng);
 * Tensor h = up.forward(x);                    // [B, 64, 16, 16] -> [B, 64, 32, 32]
 * }</pre>
 */
public final class Upsample extends Module implements Layer {
    private final int channels;
    private final Conv2d conv;

    public Upsample(int channels, boolean useConv, int outChannels, Rng rng) {
        if (!useConv && channels != outChannels) {
            throw new IllegalArgumentException("outChannels: nearest upsampling keeps the " + channels
                    + " channels, got " + outChannels + " (use useConv=true)");
        }
        this.channels = channels;
        conv = useConv ? register("conv", new Conv2d(channels, outChannels, 3, 1, 1, true, rng)) : null;
    }

    /** x [B, channels, H, W] -> [B, out, 2H, 2W]. */
    @Override
    public Tensor forward(Tensor x) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, channels, "channels");
        Tensor h = Resampling.resample(x, true);
        return conv != null ? conv.forward(h) : h;
    }
}
