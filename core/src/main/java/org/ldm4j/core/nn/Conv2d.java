package org.ldm4j.core.nn;

import org.ldm4j.core.autograd.Convolutions;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * A 2-D convolution over NCHW, as {@code nn.Conv2d} (no dilation, no groups): weight [out, in, kH, kW] and bias
 * [out], initialised U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with {@code fanIn = in * kH * kW}, as PyTorch does.
 *
 * <pre>{@code
 * Conv2d conv = new Conv2d(32, 64, 3, 1, 1, true, rng);            // 3x3, stride 1, padding 1
 * Tensor y = conv.forward(x);                                      // [B, 32, H, W] -> [B, 64, H, W]
 * Conv2d down = new Conv2d(32, 32, 3, 2, 0, true, rng);            // the VAE's Downsample, after padding
 * }</pre>
 */
public final class Conv2d extends Module implements Layer {
    private final long in;
    private final long out;
    private final int kH;
    private final int kW;
    private final int sH;
    private final int sW;
    private final int pH;
    private final int pW;
    private final boolean hasBias;

    /** Square kernel, stride and padding. */
    public Conv2d(long in, long out, int kernel, int stride, int padding, boolean bias, Rng rng) {
        this(in, out, kernel, kernel, stride, stride, padding, padding, bias, rng);
    }

    /** Separate height and width for the kernel, stride and padding. */
    public Conv2d(long in, long out, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                  boolean bias, Rng rng) {
        Init.checkPositive("in", in);
        Init.checkPositive("out", out);
        Init.checkPositive("kernelH", kernelH);
        Init.checkPositive("kernelW", kernelW);
        Init.checkPositive("strideH", strideH);
        Init.checkPositive("strideW", strideW);
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("padding: expected non-negative sizes, got (" + padH + ", " + padW
                    + ")");
        }
        Init.checkRng(rng);
        this.in = in;
        this.out = out;
        this.kH = kernelH;
        this.kW = kernelW;
        this.sH = strideH;
        this.sW = strideW;
        this.pH = padH;
        this.pW = padW;
        this.hasBias = bias;
        long fanIn = in * kernelH * kernelW;
        try (MemoryScope s = MemoryScope.open()) {
            registerParameter("weight", () -> Init.fanInUniform(rng, fanIn, out, in, kernelH, kernelW), out, in,
                    kernelH, kernelW);
            if (bias) {
                registerParameter("bias", () -> Init.fanInUniform(rng, fanIn, out), out);
            }
        }
    }

    /** x [B, in, H, W] -> [B, out, H', W']. */
    @Override
    public Tensor forward(Tensor x) {
        Shapes.checkRank("x", x, 4);
        Shapes.checkDim("x", x, 1, in, "input channels");
        return Convolutions.conv2d(x, weight(), bias(), sH, sW, pH, pW);
    }

    /** The weight [out, in, kH, kW]. */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The bias [out], or null. */
    public Tensor bias() {
        return hasBias ? parameter("bias") : null;
    }

    public long inChannels() {
        return in;
    }

    public long outChannels() {
        return out;
    }

    @Override
    protected String extraRepr() {
        return "in=" + in + ", out=" + out + ", kernel=" + kH + "x" + kW + ", stride=" + sH + "x" + sW
                + ", padding=" + pH + "x" + pW + ", bias=" + hasBias;
    }
}
