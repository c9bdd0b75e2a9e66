package org.ldm4j.autoencoder.loss;

import org.ldm4j.core.tensor.Tensor;

/**
 * The discriminator's step of a loss, optimizer 1: the loss, the logged values and the two logit maps.
 *
 * <pre>{@code
 * DiscriminatorOutput out = loss.discriminatorLoss(x, xRec, step);
 * out.loss().backward();                   // into the discriminator's parameters only
 * }</pre>
 *
 * @param loss       the scalar loss {@code disc_factor * disc_loss(real, fake)}, with graph
 * @param log        the logged values
 * @param logitsReal the logits on the real images [B, 1, H', W']
 * @param logitsFake the logits on the (detached) reconstructions [B, 1, H', W']
 */
public record DiscriminatorOutput(Tensor loss, DiscriminatorLog log, Tensor logitsReal, Tensor logitsFake) {
}
