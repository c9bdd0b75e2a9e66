package org.ldm4j.core.nn;

import org.ldm4j.core.autograd.LinearAlgebra;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * {@code y = x W^T + b} over the last axis, as {@code nn.Linear}: weight [out, in], bias [out], both initialised
 * U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's kaiming-uniform with a = sqrt(5)). Keys {@code weight}, {@code bias}.
 *
 * <pre>{@code
 * Linear proj = new Linear(32, 128, true, new Rng(0));
 * Tensor y = proj.forward(x);                 // [B, T, 32] -> [B, T, 128]
 * }</pre>
 */
public final class Linear extends Module implements Layer {
    private final long in;
    private final long out;
    private final boolean hasBias;

    public Linear(long in, long out, boolean bias, Rng rng) {
        Init.checkPositive("in", in);
        Init.checkPositive("out", out);
        Init.checkRng(rng);
        this.in = in;
        this.out = out;
        this.hasBias = bias;
        try (MemoryScope s = MemoryScope.open()) {
            registerParameter("weight", () -> Init.fanInUniform(rng, in, out, in), out, in);
            if (bias) {
                registerParameter("bias", () -> Init.fanInUniform(rng, in, out), out);
            }
        }
    }

    /** x [..., in] -> [..., out]. */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() < 1) {
            throw new IllegalArgumentException("x: expected [..., " + in + "], got a scalar");
        }
        Shapes.checkDim("x", x, -1, in, "input features");
        return LinearAlgebra.linear(x, weight(), bias());
    }

    /** The weight [out, in]. */
    public Tensor weight() {
        return parameter("weight");
    }

    /** The bias [out], or null. */
    public Tensor bias() {
        return hasBias ? parameter("bias") : null;
    }

    public long inFeatures() {
        return in;
    }

    public long outFeatures() {
        return out;
    }

    @Override
    protected String extraRepr() {
        return "in=" + in + ", out=" + out + ", bias=" + hasBias;
    }
}
