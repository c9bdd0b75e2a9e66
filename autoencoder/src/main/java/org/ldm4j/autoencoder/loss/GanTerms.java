package org.ldm4j.autoencoder.loss;

import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.nn.F;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The parts the KL and the VQ losses share (package-private): the reconstruction term, the discriminator's input,
 * the adaptive weight with the reference's validation fallback, and the discriminator step.
 *
 * <pre>{@code
 * GanTerms.Reconstruction r = GanTerms.reconstruction(lpips, 1.0, x, xRec);   // |x - xRec| + lpips, per pixel
 * }</pre>
 */
final class GanTerms {
    private GanTerms() {
    }

    /**
     * The per-pixel reconstruction loss and the LPIPS distances it includes.
     *
     * @param recLoss    {@code |x - x_rec| + perceptual_weight * lpips} [B, C, H, W]
     * @param perceptual the LPIPS distances [B, 1, 1, 1], or null where the perceptual weight is 0
     */
    record Reconstruction(Tensor recLoss, Tensor perceptual) {
    }

    /** {@code rec_loss = |x - x_rec| + perceptual_weight * p_loss}, the [B, 1, 1, 1] LPIPS broadcast onto every pixel. */
    static Reconstruction reconstruction(Lpips lpips, double perceptualWeight, Tensor inputs, Tensor recs) {
        Tensor rec = inputs.sub(recs).abs();                            // (B, C, H, W)
        if (perceptualWeight > 0) {
            Tensor p = lpips.forward(inputs, recs);                     // (B, 1, 1, 1)
            return new Reconstruction(rec.add(p.mul(perceptualWeight)), p);
        }
        return new Reconstruction(rec, null);
    }

    /** Checks the image pair: inputs [B, C, H, W], reconstructions the same shape, both of {@code dtype}. */
    static void checkImages(Tensor inputs, Tensor recs, DType dtype, double perceptualWeight) {
        if (inputs == null || recs == null) {
            throw new IllegalArgumentException("inputs, reconstructions: expected two image batches [B, C, H, W], got "
                    + (inputs == null ? "null" : "a tensor") + " and " + (recs == null ? "null" : "a tensor"));
        }
        Shapes.checkRank("inputs", inputs, 4);
        Shapes.checkShape("reconstructions", recs, inputs.shape());
        if (inputs.dtype() != dtype || recs.dtype() != dtype) {
            throw new IllegalArgumentException("inputs, reconstructions: expected " + dtype + " (the loss's dtype), got "
                    + inputs.dtype() + " and " + recs.dtype());
        }
        if (perceptualWeight > 0 && inputs.size(1) != 3) {
            throw new IllegalArgumentException("inputs: expected 3 RGB channels for LPIPS (perceptual weight "
                    + perceptualWeight + "), got " + inputs.size(1) + " in " + Shapes.str(inputs.shape()));
        }
    }

    /** The discriminator's input: the images, or the images and the condition concatenated along channels. */
    static Tensor discriminatorInput(Tensor images, Tensor cond, boolean conditional) {
        if (conditional && cond == null) {
            throw new IllegalArgumentException("cond: expected a condition [B, C', H, W] for the conditional "
                    + "discriminator (disc_conditional), got null");
        }
        if (!conditional && cond != null) {
            throw new IllegalArgumentException("cond: expected null (the discriminator is not conditional; set "
                    + "disc_conditional), got " + Shapes.str(cond.shape()));
        }
        if (cond == null) {
            return images;
        }
        Shapes.checkRank("cond", cond, 4);
        long[] s = images.shape();
        if (cond.size(0) != s[0] || cond.size(2) != s[2] || cond.size(3) != s[3]) {
            throw new IllegalArgumentException("cond: expected [" + s[0] + ", C', " + s[2] + ", " + s[3]
                    + "] (the images' batch and size), got " + Shapes.str(cond.shape()));
        }
        return F.cat(1, images, cond);
    }

    /**
     * {@code calculate_adaptive_weight} inside the reference's {@code try}: where no gradient can be taken it is 0
     * in evaluation mode (validation under no_grad) and an error in training mode (the reference's
     * {@code assert not self.training}).
     */
    static AdaptiveWeight adaptiveWeight(Tensor nllLoss, Tensor gLoss, Tensor lastLayer, double discWeight,
                                         boolean training, DType dtype) {
        AdaptiveWeight w = AdaptiveWeight.tryCompute(nllLoss, gLoss, lastLayer, discWeight);
        if (w != null) {
            return w;
        }
        if (training) {
            throw new IllegalStateException("generatorLoss: the adaptive weight needs the gradients of the losses at "
                    + "the last layer, but there are none (gradients " + (GradMode.isEnabled() ? "on" : "off")
                    + ", lastLayer " + (lastLayer.requiresGrad() ? "requires" : "does not require")
                    + " grad, or it is not part of the reconstructions' graph); call eval() on the loss for "
                    + "validation, where d_weight is 0");
        }
        return AdaptiveWeight.zero(dtype);
    }

    /**
     * Optimizer 1: the discriminator on the detached real images and, separately, on the detached reconstructions
     * (two batches for train-mode BatchNorm, each updating the running statistics once), then
     * {@code disc_factor * disc_loss(real, fake)}.
     */
    static DiscriminatorOutput discriminatorStep(PatchGanDiscriminator d, GanLoss ganLoss, double discFactor,
                                                 Tensor inputs, Tensor recs, Tensor cond, boolean conditional) {
        Tensor real = d.forward(discriminatorInput(inputs.detach(), cond, conditional));
        Tensor fake = d.forward(discriminatorInput(recs.detach(), cond, conditional));
        Tensor loss = ganLoss.discriminatorLoss(real, fake).mul(discFactor);
        DiscriminatorLog log = new DiscriminatorLog(loss.item(), meanValue(real), meanValue(fake));
        return new DiscriminatorOutput(loss, log, real, fake);
    }

    /** The mean of a tensor as a value, computed without graph. */
    static double meanValue(Tensor t) {
        return t.detach().mean().item();
    }

    /** {@code x / n} as a true division (torch's {@code sum / shape[0]}), not a multiplication by 1/n. */
    static Tensor divide(Tensor x, long n) {
        return x.div(Tensor.scalar(x.dtype(), n));
    }
}
