package org.ldm4j.autoencoder.loss;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link AutoencoderLoss#generatorLoss} logs (the reference's {@code log} dict for optimizer 0), as values.
 *
 * <pre>{@code
 * KlLossLog log = loss.generatorLoss(x, xRec, posterior.kl(), step, lastLayer).log();
 * log.toMap("train");      // {train/total_loss=..., train/logvar=..., train/kl_loss=..., ...}
 * }</pre>
 *
 * @param totalLoss  the returned loss
 * @param logvar     the learned log-variance
 * @param klLoss     sum of the per-sample KL divided by the batch size (before {@code kl_weight})
 * @param nllLoss    sum of the NLL over all elements divided by the batch size
 * @param recLoss    the mean of the per-pixel reconstruction loss {@code |x - x_rec| + perceptual_weight * lpips}
 * @param dWeight    the adaptive weight (0 in validation)
 * @param discFactor the adopted discriminator factor (0 before {@code disc_start})
 * @param gLoss      the generator's adversarial loss {@code -mean(D(x_rec))}
 */
public record KlLossLog(double totalLoss, double logvar, double klLoss, double nllLoss, double recLoss,
                        double dWeight, double discFactor, double gLoss) {
    /** The values under the reference's keys, {@code "<split>/total_loss"} first, in the reference's order. */
    public Map<String, Double> toMap(String split) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(split + "/total_loss", totalLoss);
        m.put(split + "/logvar", logvar);
        m.put(split + "/kl_loss", klLoss);
        m.put(split + "/nll_loss", nllLoss);
        m.put(split + "/rec_loss", recLoss);
        m.put(split + "/d_weight", dWeight);
        m.put(split + "/disc_factor", discFactor);
        m.put(split + "/g_loss", gLoss);
        return m;
    }
}
