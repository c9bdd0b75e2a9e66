package org.ldm4j.core.nn;

import org.ldm4j.core.autograd.Convolutions;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * A 1-D convolution with kernel size 1 over [B, C, T], as the reference's attention blocks use it
 * ({@code conv_nd(1, C, 3 * C, 1)} for qkv and {@code proj_out}): weight [out, in, 1] (PyTorch's Conv1d layout)
 * and bias [out], initialised U(-1/sqrt(in), 1/sqrt(in)). Other kernel sizes are not supported.
 *
 * <pre>{@code
 * Conv1d qkv = new Conv1d(64, 192, 1, true, rng);
 * Tensor y = qkv.forward(x.reshape(b, 64, h * w));          // [B, 64, T] -> [B, 192, T]
 * }</pre>
 */
public final class Conv1d extends Module implements Layer {
    private final long in;
    private final long out;
    private final boolean hasBias;

    /** {@code kernel} must be 1. */
    public Conv1d(long in, long out, int kernel, boolean bias, Rng rng) {
        Init.checkPositive("in", in);
        Init.checkPositive("out", out);
        if (kernel != 1) {
            throw new IllegalArgumentException("kernel: expected 1 (only 1x1 Conv1d is supported), got " + kernel);
        }
        Init.checkRng(rng);
        this.in = in;
        this.out = out;
        this.hasBias = bias;
        try (MemoryScope s = MemoryScope.open()) {
            registerParameter("weight", () -> Init.fanInUniform(rng, in, out, in, 1), out, in, 1);
            if (bias) {
                registerParameter("bias", () -> Init.fanInUniform(rng, in, out), out);
            }
        }
    }

    /** x [B, in, T] -> [B, out, T]. */
    @Override
    public Tensor forward(Tensor x) {
        Shapes.checkRank("x", x, 3);
        Shapes.checkDim("x", x, 1, in, "input channels");
        return Convolutions.conv1x1(x, weight(), bias());
    }

    /** The weight [out, in, 1]. */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The bias [out], or null. */
    public Tensor bias() {
        return hasBias ? parameter("bias") : null;
    }

    @Override
    protected String extraRepr() {
        return "in=" + in + ", out=" + out + ", kernel=1, bias=" + hasBias;
    }
}
