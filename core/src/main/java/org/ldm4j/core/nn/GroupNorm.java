package org.ldm4j.core.nn;

import org.ldm4j.core.autograd.Normalizations;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * GroupNorm over x [N, C, *], as {@code nn.GroupNorm}: biased variance per (sample, group), then a per-channel
 * affine map with weight 1 and bias 0 initially. Mind the reference's eps: 1e-5 in the U-Net's
 * {@code normalization()}, 1e-6 in the VAE and the SpatialTransformer's {@code Normalize()}.
 *
 * <pre>{@code
 * GroupNorm norm = new GroupNorm(32, 64, 1e-6);     // the VAE's Normalize(64)
 * Tensor h = norm.forward(x);                       // [B, 64, H, W]
 * }</pre>
 */
public final class GroupNorm extends Module implements Layer {
    private final int groups;
    private final long channels;
    private final double eps;
    private final boolean affine;

    /** With a learnable affine map (weight and bias [channels]). */
    public GroupNorm(int groups, long channels, double eps) {
        this(groups, channels, eps, true);
    }

    public GroupNorm(int groups, long channels, double eps, boolean affine) {
        Init.checkPositive("groups", groups);
        Init.checkPositive("channels", channels);
        if (channels % groups != 0) {
            throw new IllegalArgumentException("groups: expected a divisor of the " + channels + " channels, got "
                    + groups);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("eps: expected a positive value, got " + eps);
        }
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        this.affine = affine;
        if (affine) {
            try (MemoryScope s = MemoryScope.open()) {
                registerParameter("weight", Tensor.ones(DType.FLOAT32, channels));
                registerParameter("bias", Tensor.zeros(DType.FLOAT32, channels));
            }
        }
    }

    /** x [N, channels, *] -> the same shape. */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() < 2) {
            throw new IllegalArgumentException("x: expected [N, " + channels + ", ...], got " + Shapes.str(x.shape()));
        }
        Shapes.checkDim("x", x, 1, channels, "channels");
        Tensor w = weight();
        if (w != null) {
            Shapes.checkSameDType("groupNorm", x, w);
        }
        return Normalizations.groupNorm(x, groups, w, bias(), eps);
    }

    /** The weight [channels], or null without affine. */
    public Tensor weight() {
        return affine ? parameter("weight") : null;
    }

    /** The bias [channels], or null without affine. */
    public Tensor bias() {
        return affine ? parameter("bias") : null;
    }

    public double eps() {
        return eps;
    }

    @Override
    protected String extraRepr() {
        return groups + ", " + channels + ", eps=" + eps + ", affine=" + affine;
    }
}
