package org.ldm4j.autoencoder;

import org.ldm4j.core.autograd.Convolutions;
import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The decoder's doubling step ({@code ldm.modules.diffusionmodules.model.Upsample} with a convolution):
 * nearest-neighbour x2, then a 3x3 convolution with padding 1. Key: {@code conv}.
 *
 * <pre>{@code
 * Upsample up = new Upsample(512, rng);
 * Tensor h = up.forward(x);                    // [B, 512, 32, 32] -> [B, 512, 64, 64]
 * }</pre>
 */
public final class Upsample extends Module implements Layer {
    private final int channels;
    private final Conv2d conv;

    public Upsample(int channels, Rng rng) {
        this.channels = channels;
        conv = register("conv", new Conv2d(channels, channels, 3, 1, 1, true, rng));
    }

    /** x [B, C, H, W] -> [B, C, 2H, 2W]. */
    @Override
    public Tensor forward(Tensor x) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, channels, "channels");
        return conv.forward(Convolutions.upsampleNearest(x, 2));
    }

    @Override
    protected String extraRepr() {
        return "channels=" + channels;
    }
}
