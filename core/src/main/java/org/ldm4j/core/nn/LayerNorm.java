package org.ldm4j.core.nn;

import org.ldm4j.core.autograd.Normalizations;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * LayerNorm over the last axis, as {@code nn.LayerNorm(dim)}: biased variance, then weight 1 and bias 0
 * initially. PyTorch's (and the reference transformer's) default eps is 1e-5.
 *
 * <pre>{@code
 * LayerNorm norm1 = new LayerNorm(64, 1e-5, true);
 * Tensor h = norm1.forward(x);                      // [B, T, 64]
 * }</pre>
 */
public final class LayerNorm extends Module implements Layer {
    private final long dim;
    private final double eps;
    private final boolean affine;

    public LayerNorm(long dim, double eps, boolean affine) {
        Init.checkPositive("dim", dim);
        if (!(eps > 0)) {
            throw new IllegalArgumentException("eps: expected a positive value, got " + eps);
        }
        this.dim = dim;
        this.eps = eps;
        this.affine = affine;
        if (affine) {
            try (MemoryScope s = MemoryScope.open()) {
                registerParameter("weight", Tensor.ones(DType.FLOAT32, dim));
                registerParameter("bias", Tensor.zeros(DType.FLOAT32, dim));
            }
        }
    }

    /** x [..., dim] -> the same shape. */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() < 1) {
            throw new IllegalArgumentException("x: expected [..., " + dim + "], got a scalar");
        }
        Shapes.checkDim("x", x, -1, dim, "features");
        Tensor w = weight();
        if (w != null) {
            Shapes.checkSameDType("layerNorm", x, w);
        }
        return Normalizations.layerNorm(x, w, bias(), eps);
    }

    /** The weight [dim], or null without affine. */
    public Tensor weight() {
        return affine ? parameter("weight") : null;
    }

    /** The bias [dim], or null without affine. */
    public Tensor bias() {
        return affine ? parameter("bias") : null;
    }

    @Override
    protected String extraRepr() {
        return "(" + dim + "), eps=" + eps + ", affine=" + affine;
    }
}
