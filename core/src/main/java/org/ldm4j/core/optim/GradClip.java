package org.ldm4j.core.optim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gradient-norm clipping over a set of parameters, as PyTorch's {@code torch.nn.utils.clip_grad_norm_} with
 * the L2 norm: the norm is taken over all gradients together, as if concatenated into one vector.
 *
 * <pre>{@code
 * loss.backward();
 * double norm = GradClip.clipGlobalNorm(opt.params().values(), 1.0);
 * if (!Double.isFinite(norm)) { opt.zeroGrad(); } else { opt.step(); }   // skip a step that blew up
 * }</pre>
 *
 * <p>Parameters without a gradient ({@code grad()} null) are ignored; a tensor listed twice counts once.
 */
public final class GradClip {
    /** Added to the norm in the scale factor, as PyTorch does, so that a zero norm cannot divide by zero. */
    public static final double EPS = 1e-6;

    private GradClip() {
    }

    /** The L2 norm of all gradients together, {@code sqrt(sum_i ||g_i||^2)}, computed in double precision. */
    public static double globalNorm(Collection<Tensor> params) {
        double sumSq = 0;
        for (INDArray g : grads(params)) {
            double n = norm(g);
            sumSq += n * n;
        }
        return Math.sqrt(sumSq);
    }

    /**
     * Scales the gradients in place so that their global L2 norm is at most about {@code maxNorm}, and returns
     * the norm before clipping. As PyTorch: with {@code coef = maxNorm / (norm + 1e-6)}, the gradients are
     * multiplied by {@code coef} when {@code coef < 1} (that is, when {@code norm + 1e-6 > maxNorm}) and left
     * alone otherwise, so a clipped set ends with norm {@code maxNorm * norm / (norm + 1e-6)}. A non-finite
     * norm (NaN or infinite gradients) is returned as is and nothing is scaled: the caller decides, e.g. to
     * skip the step.
     */
    public static double clipGlobalNorm(Collection<Tensor> params, double maxNorm) {
        Check.positive("maxNorm", maxNorm);
        List<INDArray> grads = grads(params);
        double sumSq = 0;
        for (INDArray g : grads) {
            double n = norm(g);
            sumSq += n * n;
        }
        double norm = Math.sqrt(sumSq);
        if (!Double.isFinite(norm)) {
            return norm;
        }
        double coef = maxNorm / (norm + EPS);
        if (coef < 1) {
            for (INDArray g : grads) {
                g.muli(coef);
            }
        }
        return norm;
    }

    private static List<INDArray> grads(Collection<Tensor> params) {
        if (params == null) {
            throw new IllegalArgumentException("params: expected a collection of tensors, found null");
        }
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<INDArray> out = new ArrayList<>();
        for (Tensor p : params) {
            if (p == null) {
                throw new IllegalArgumentException("params: expected tensors, found a null element");
            }
            Tensor g = p.grad();
            if (g != null && seen.add(p)) {
                out.add(g.array());
            }
        }
        return out;
    }

    /** {@code ||g||_2} accumulated in double (a float32 gradient is widened first, one tensor at a time). */
    private static double norm(INDArray g) {
        if (g.isEmpty() || g.length() == 0) {
            return 0;
        }
        if (g.dataType() == DataType.DOUBLE) {
            return g.norm2Number().doubleValue();
        }
        INDArray d = g.castTo(DataType.DOUBLE);
        try {
            return d.norm2Number().doubleValue();
        } finally {
            d.close();
        }
    }
}
