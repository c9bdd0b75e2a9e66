package org.ldm4j.autoencoder;

import org.ldm4j.core.autograd.ShapeOps;
import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The autoencoder's halving step ({@code ldm.modules.diffusionmodules.model.Downsample} with a convolution):
 * pad with zeros asymmetrically, right 1 and bottom 1 (torch order {@code (0, 1, 0, 1)}), then a 3x3 stride-2
 * convolution without padding. This is not the U-Net's Downsample (symmetric padding 1). Key: {@code conv}.
 *
 * <pre>{@code
 * Downsample down = new Downsample(128, rng);
 * Tensor h = down.forward(x);                  // [B, 128, 64, 64] -> [B, 128, 32, 32]
 * }</pre>
 */
public final class Downsample extends Module implements Layer {
    private final int channels;
    private final Conv2d conv;

    public Downsample(int channels, Rng rng) {
        this.channels = channels;
        conv = register("conv", new Conv2d(channels, channels, 3, 2, 0, true, rng));
    }

    /** x [B, C, H, W] -> [B, C, floor(H/2), floor(W/2)] (H, W >= 2). */
    @Override
    public Tensor forward(Tensor x) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, channels, "channels");
        if (x.size(2) < 2 || x.size(3) < 2) {
            throw new IllegalArgumentException("x: expected a feature map of at least 2x2 to halve, got "
                    + Shapes.str(x.shape()));
        }
        return conv.forward(ShapeOps.pad(x, 0.0, 0, 1, 0, 1));              // (B, C, H+1, W+1) -> (B, C, H/2, W/2)
    }

    @Override
    protected String extraRepr() {
        return "channels=" + channels;
    }
}
