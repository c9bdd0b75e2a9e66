package org.ldm4j.autoencoder.loss;

import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.nn.Layer;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * Activation normalisation with data-dependent initialisation, as taming-transformers'
 * {@code taming.modules.util.ActNorm} (Glow, Kingma and Dhariwal 2018): {@code h = scale * (x + loc)} per channel.
 * The first forward call in training mode while {@code initialized} is 0 first sets, from that batch and without
 * gradient, {@code loc = -mean_c(x)} and {@code scale = 1 / (std_c(x) + 1e-6)} (the unbiased standard deviation
 * over batch and pixels), then marks the layer initialised. Keys: {@code loc}, {@code scale} [1, C, 1, 1] and
 * the uint8 scalar buffer {@code initialized}. The reference's {@code logdet} output and {@code reverse} are not
 * needed by the discriminator and are left out.
 *
 * <pre>{@code
 * ActNorm norm = new ActNorm(128);
 * Tensor h = norm.forward(x);          // first training batch: h has zero mean and unit std per channel
 * norm.isInitialized();                // true; later calls use the learned loc and scale
 * }</pre>
 */
public final class ActNorm extends Module implements Layer {
    private static final double STD_EPS = 1e-6;
    private final long channels;

    /** {@code loc} 0, {@code scale} 1, not initialised. */
    public ActNorm(long channels) {
        if (channels < 1) {
            throw new IllegalArgumentException("channels: expected a positive size, got " + channels);
        }
        this.channels = channels;
        try (MemoryScope s = MemoryScope.open()) {
            registerParameter("loc", Tensor.zeros(DType.FLOAT32, 1, channels, 1, 1));
            registerParameter("scale", Tensor.ones(DType.FLOAT32, 1, channels, 1, 1));
            registerBuffer("initialized", Tensor.scalar(DType.UINT8, 0));
        }
    }

    /** x [B, C, H, W] or [B, C] -> the same shape. */
    @Override
    public Tensor forward(Tensor x) {
        boolean flat = x != null && x.rank() == 2;
        Tensor x4 = flat ? x.reshape(x.size(0), x.size(1), 1, 1) : x;
        if (x4 == null || x4.rank() != 4) {
            throw new IllegalArgumentException("x: expected rank 4 [B, C, H, W] or rank 2 [B, C], got "
                    + (x == null ? "null" : Shapes.str(x.shape())));
        }
        Shapes.checkDim("x", x4, 1, channels, "channels");
        Tensor loc = parameter("loc");
        Shapes.checkSameDType("actNorm", x4, loc);
        if (isTraining() && !isInitialized()) {
            initialize(x4);
        }
        Tensor h = parameter("scale").mul(x4.add(loc));
        return flat ? h.reshape(x.size(0), x.size(1)) : h;
    }

    /** The data-dependent initialisation from one batch x [B, C, H, W]. */
    private void initialize(Tensor x) {
        if (x.numel() / channels < 2) {
            throw new IllegalArgumentException("x: ActNorm initialises from the standard deviation per channel and "
                    + "needs at least 2 values per channel, got " + Shapes.str(x.shape()));
        }
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            Tensor xd = x.detach();
            Tensor mean = xd.mean(true, 0, 2, 3);                          // (1, C, 1, 1)
            Tensor std = xd.var(true, true, 0, 2, 3).sqrt();                 // unbiased, as torch.std
            parameter("loc").assign(mean.neg());
            parameter("scale").assign(std.onesLike().div(std.add(STD_EPS)));
            buffer("initialized").assign(Tensor.scalar(DType.UINT8, 1));
        }
    }

    /** Whether the data-dependent initialisation has run (or was loaded as done). */
    public boolean isInitialized() {
        return buffer("initialized").item() != 0;
    }

    public long channels() {
        return channels;
    }

    @Override
    protected String extraRepr() {
        return Long.toString(channels);
    }
}
