package org.ldm4j.training.config;

import org.ldm4j.autoencoder.loss.AutoencoderLossConfig;
import org.ldm4j.autoencoder.loss.VqLossConfig;

/**
 * The {@code lossconfig} of a first-stage model: none ({@code torch.nn.Identity}, {@code DummyLoss}: a model that
 * is only run), the KL autoencoder's {@code LPIPSWithDiscriminator}, or the VQ model's
 * {@code VQLPIPSWithDiscriminator}.
 *
 * <pre>{@code
 * FirstStageLoss loss = new FirstStageLoss.Kl(AutoencoderLossConfig.ldm());
 * if (loss instanceof FirstStageLoss.Vq vq) { vq.config().codebookWeight(); }
 * }</pre>
 */
public sealed interface FirstStageLoss permits FirstStageLoss.None, FirstStageLoss.Kl, FirstStageLoss.Vq {

    /** No loss: the model is only encoded and decoded with. */
    record None() implements FirstStageLoss {
    }

    /**
     * {@code LPIPSWithDiscriminator}.
     *
     * @param config its settings
     */
    record Kl(AutoencoderLossConfig config) implements FirstStageLoss {
        public Kl {
            if (config == null) {
                throw new IllegalArgumentException("config: expected the KL loss settings, got null");
            }
        }
    }

    /**
     * {@code VQLPIPSWithDiscriminator}.
     *
     * @param config its settings
     */
    record Vq(VqLossConfig config) implements FirstStageLoss {
        public Vq {
            if (config == null) {
                throw new IllegalArgumentException("config: expected the VQ loss settings, got null");
            }
        }
    }
}
