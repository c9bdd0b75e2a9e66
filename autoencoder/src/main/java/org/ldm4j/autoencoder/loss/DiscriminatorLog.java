package org.ldm4j.autoencoder.loss;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the discriminator step (optimizer 1) of either loss logs, as values.
 *
 * <pre>{@code
 * DiscriminatorLog log = loss.discriminatorLoss(x, xRec, step).log();
 * log.toMap("train");      // {train/disc_loss=..., train/logits_real=..., train/logits_fake=...}
 * }</pre>
 *
 * @param discLoss   the returned loss, {@code disc_factor * disc_loss(real, fake)}
 * @param logitsReal the mean logit on the real images
 * @param logitsFake the mean logit on the reconstructions
 */
public record DiscriminatorLog(double discLoss, double logitsReal, double logitsFake) {
    /** The values under the reference's keys, in the reference's order. */
    public Map<String, Double> toMap(String split) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(split + "/disc_loss", discLoss);
        m.put(split + "/logits_real", logitsReal);
        m.put(split + "/logits_fake", logitsFake);
        return m;
    }
}
