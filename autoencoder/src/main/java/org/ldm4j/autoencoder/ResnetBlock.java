package org.ldm4j.autoencoder;

import org.ldm4j.core.nn.Conv2d;
import org.ldm4j.core.nn.Dropout;
import org.ldm4j.core.nn.GroupNorm;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The autoencoder's residual block ({@code ldm.modules.diffusionmodules.model.ResnetBlock} with
 * {@code temb_channels=0}): {@code shortcut(x) + conv2(dropout(swish(norm2(conv1(swish(norm1(x)))))))}, where the
 * shortcut is the identity when the channel counts match and a 1x1 convolution ({@code nin_shortcut}) otherwise.
 * GroupNorms have 32 groups and eps 1e-6. Keys: {@code norm1, conv1, norm2, conv2[, nin_shortcut]}.
 *
 * <pre>{@code
 * ResnetBlock block = new ResnetBlock(32, 64, 0.0, rng);
 * Tensor h = block.forward(x);                 // [B, 32, H, W] -> [B, 64, H, W]
 * }</pre>
 */
public final class ResnetBlock extends Module implements Layer {
    static final double EPS = 1e-6;

    private final int in;
    private final int out;
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final GroupNorm norm2;
    private final Dropout dropout;
    private final Conv2d conv2;
    private final Conv2d ninShortcut;

    /** A block from {@code in} to {@code out} channels (both multiples of 32) with dropout probability {@code p}. */
    public ResnetBlock(int in, int out, double p, Rng rng) {
        this.in = in;
        this.out = out;
        norm1 = register("norm1", new GroupNorm(AutoencoderConfig.GROUPS, in, EPS));
        conv1 = register("conv1", new Conv2d(in, out, 3, 1, 1, true, rng));
        norm2 = register("norm2", new GroupNorm(AutoencoderConfig.GROUPS, out, EPS));
        dropout = register("dropout", new Dropout(p, p > 0 ? rng.split() : null));
        conv2 = register("conv2", new Conv2d(out, out, 3, 1, 1, true, rng));
        ninShortcut = in != out ? register("nin_shortcut", new Conv2d(in, out, 1, 1, 0, true, rng)) : null;
    }

    /** x [B, in, H, W] -> [B, out, H, W]. */
    @Override
    public Tensor forward(Tensor x) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, in, "channels");
        Tensor h = conv1.forward(norm1.forward(x).silu());                  // [B, out, H, W]
        h = conv2.forward(dropout.forward(norm2.forward(h).silu()));
        Tensor skip = ninShortcut == null ? x : ninShortcut.forward(x);
        return skip.add(h);
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return out;
    }

    @Override
    protected String extraRepr() {
        return "in=" + in + ", out=" + out;
    }
}
