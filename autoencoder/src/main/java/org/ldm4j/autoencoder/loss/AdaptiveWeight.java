package org.ldm4j.autoencoder.loss;

import java.util.List;
import org.ldm4j.core.autograd.Autograd;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The adaptive weight of the generator's GAN term, VQGAN eq. (7) as the reference's
 * {@code calculate_adaptive_weight} computes it:
 * {@code d_weight = clamp(||grad_W nll_loss|| / (||grad_W g_loss|| + 1e-4), 0, 1e4).detach() * disc_weight},
 * where W is the decoder's last-layer weight, the norms are Frobenius norms over all elements, and the two
 * gradients are taken without touching any {@code .grad} (the graph is kept for the later backward pass). The value
 * is a constant for autograd.
 *
 * <pre>{@code
 * AdaptiveWeight w = AdaptiveWeight.compute(nllLoss, gLoss, decoder.convOut().weight(), 0.5);
 * Tensor loss = nllLoss.add(w.value().mul(gLoss));      // no gradient flows through w.value()
 * w.nllGrads();                                         // d nllLoss / dW, W's shape
 * }</pre>
 *
 * @param value    {@code d_weight}, a scalar without graph
 * @param nllGrads the gradient of the NLL loss at the last layer, or null where it was not computed
 * @param gGrads   the gradient of the generator's loss at the last layer, or null where it was not computed
 */
public record AdaptiveWeight(Tensor value, Tensor nllGrads, Tensor gGrads) {
    /** Added to the denominator's norm. */
    public static final double EPS = 1e-4;
    /** The upper clamp of the ratio. */
    public static final double MAX = 1e4;

    /** Checks that there is a value. */
    public AdaptiveWeight {
        if (value == null) {
            throw new IllegalArgumentException("value: expected a scalar tensor, got null");
        }
    }

    /**
     * The adaptive weight from the gradients of {@code nllLoss} and {@code gLoss} (scalars) at {@code lastLayer}.
     *
     * @throws IllegalStateException where a gradient cannot be taken: gradients are off ({@link GradMode}), a loss
     *                               does not require grad, or {@code lastLayer} is not part of its graph
     */
    public static AdaptiveWeight compute(Tensor nllLoss, Tensor gLoss, Tensor lastLayer, double discWeight) {
        AdaptiveWeight w = tryCompute(nllLoss, gLoss, lastLayer, discWeight);
        if (w == null) {
            throw new IllegalStateException("adaptive weight: no gradient of the NLL and GAN losses at the last layer "
                    + "(gradients are " + (GradMode.isEnabled() ? "on" : "off") + ", nllLoss "
                    + (nllLoss.requiresGrad() ? "requires" : "does not require") + " grad, gLoss "
                    + (gLoss.requiresGrad() ? "requires" : "does not require") + " grad); compute the losses with "
                    + "gradients on from a last layer that requires grad, or call eval() for validation (d_weight 0)");
        }
        return w;
    }

    /** The validation fallback: {@code d_weight = 0}, no gradients (the reference's {@code torch.tensor(0.0)}). */
    public static AdaptiveWeight zero(DType dtype) {
        return new AdaptiveWeight(Tensor.scalar(dtype, 0.0), null, null);
    }

    /** As {@link #compute}, but null where a gradient cannot be taken (the reference's caught RuntimeError). */
    static AdaptiveWeight tryCompute(Tensor nllLoss, Tensor gLoss, Tensor lastLayer, double discWeight) {
        checkScalar("nllLoss", nllLoss);
        checkScalar("gLoss", gLoss);
        if (lastLayer == null) {
            throw new IllegalArgumentException("lastLayer: expected the decoder's last-layer weight, got null");
        }
        if (!Double.isFinite(discWeight)) {
            throw new IllegalArgumentException("discWeight: expected a finite value, got " + discWeight);
        }
        if (!GradMode.isEnabled() || !nllLoss.requiresGrad() || !gLoss.requiresGrad() || !lastLayer.requiresGrad()) {
            return null;
        }
        Tensor nllGrads = Autograd.grad(nllLoss, List.of(lastLayer), true).get(0);
        Tensor gGrads = Autograd.grad(gLoss, List.of(lastLayer), true).get(0);
        if (nllGrads == null || gGrads == null) {
            return null;
        }
        try (GradMode.Scope g = GradMode.disabled()) {
            Tensor nllNorm = nllGrads.square().sum().sqrt();                  // torch.norm: Frobenius
            Tensor gNorm = gGrads.square().sum().sqrt();
            Tensor d = nllNorm.div(gNorm.add(EPS)).clamp(0.0, MAX).mul(discWeight);
            return new AdaptiveWeight(d, nllGrads, gGrads);
        }
    }

    private static void checkScalar(String arg, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(arg + ": expected a scalar loss, got null");
        }
        if (t.numel() != 1) {
            throw new IllegalArgumentException(arg + ": expected a one-element loss, got " + Shapes.str(t.shape()));
        }
    }
}
