package org.ldm4j.autoencoder.loss;

import org.ldm4j.core.tensor.Tensor;

/**
 * The autoencoder's (generator's) step of a loss, optimizer 0: the loss to minimise, the logged values and the
 * tensors behind them.
 *
 * <pre>{@code
 * GeneratorOutput<KlLossLog> out = loss.generatorLoss(x, xRec, posterior.kl(), step, lastLayer);
 * out.loss().backward();                   // into the autoencoder's parameters (and logvar)
 * logger.log(out.log().toMap("train"));
 * }</pre>
 *
 * @param loss           the scalar loss, with graph
 * @param log            the logged values ({@link KlLossLog} or {@link VqLossLog})
 * @param logitsFake     the discriminator's logits on the reconstructions [B, 1, H', W']
 * @param perceptual     the LPIPS distances [B, 1, 1, 1], or null where the perceptual weight is 0
 * @param adaptiveWeight {@code d_weight} with the two gradients it came from (null gradients where it was not
 *                       computed: validation, or a discriminator factor of 0 in the KL loss)
 * @param <L>            the log's type
 */
public record GeneratorOutput<L>(Tensor loss, L log, Tensor logitsFake,
                                 Tensor perceptual, AdaptiveWeight adaptiveWeight) {
}
