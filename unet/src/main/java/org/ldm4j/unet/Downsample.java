package org.ldm4j.unet;

import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * Halves the resolution ({@code openaimodel.Downsample}, 2-D): a 3x3 convolution with stride 2 and padding 1
 * ({@code op}) when {@code useConv}, else 2x2 average pooling with stride 2 (no parameters; the channel count
 * cannot change). Keys: {@code op.weight}, {@code op.bias} with the convolution.
 *
 * <pre>{@code
 * Downsample down = new Downsample(64, true, 64, rng);
 * Tensor h = down.forward(x);                  // [B, 64, 32, 32] -> [B, 64, 16, 16]
 * }</pre>
 */
public final class Downsample extends Module implements Layer {
    private final int channels;
    private final Conv2d op;

    public Downsample(int channels, boolean useConv, int outChannels, Rng rng) {
        if (!useConv && channels != outChannels) {
            throw new IllegalArgumentException("outChannels: average pooling keeps the " + channels
                    + " channels, got " + outChannels + " (use useConv=true)");
        }
        this.channels = channels;
        op = useConv ? register("op", new Conv2d(channels, outChannels, 3, 2, 1, true, rng)) : null;
    }

    /** x [B, channels, H, W] -> [B, out, ceil(H/2), ceil(W/2)] with the conv, [B, out, H/2, W/2] pooled. */
    @Override
    public Tensor forward(Tensor x) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, channels, "channels");
        return op != null ? op.forward(x) : Resampling.resample(x, false);
    }
}
