package org.ldm4j.autoencoder.loss;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link VqAutoencoderLoss#generatorLoss} logs (taming's {@code log} dict for optimizer 0), as values.
 *
 * <pre>{@code
 * VqLossLog log = loss.generatorLoss(qLoss, x, xRec, step, lastLayer).log();
 * log.toMap("val");        // {val/total_loss=..., val/quant_loss=..., val/nll_loss=..., ...}
 * }</pre>
 *
 * @param totalLoss  the returned loss
 * @param quantLoss  the mean of the codebook loss (before {@code codebook_weight})
 * @param nllLoss    the mean of the per-pixel reconstruction loss
 * @param recLoss    the same mean, logged under its own key as the reference does
 * @param pLoss      the mean LPIPS distance (0 where the perceptual weight is 0)
 * @param dWeight    the adaptive weight (0 in validation)
 * @param discFactor the adopted discriminator factor (0 before {@code disc_start})
 * @param gLoss      the generator's adversarial loss {@code -mean(D(x_rec))}
 */
public record VqLossLog(double totalLoss, double quantLoss, double nllLoss, double recLoss, double pLoss,
                        double dWeight, double discFactor, double gLoss) {
    /** The values under the reference's keys, {@code "<split>/total_loss"} first, in the reference's order. */
    public Map<String, Double> toMap(String split) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(split + "/total_loss", totalLoss);
        m.put(split + "/quant_loss", quantLoss);
        m.put(split + "/nll_loss", nllLoss);
        m.put(split + "/rec_loss", recLoss);
        m.put(split + "/p_loss", pLoss);
        m.put(split + "/d_weight", dWeight);
        m.put(split + "/disc_factor", discFactor);
        m.put(split + "/g_loss", gLoss);
        return m;
    }
}
