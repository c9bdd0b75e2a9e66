package org.ldm4j.training.config;

import java.util.Optional;
import org.ldm4j.autoencoder.AutoencoderConfig;

/**
 * A first-stage autoencoder's config ({@code configs/autoencoder/*.yaml},
 * {@code models/first_stage_models/*}{@code /config.yaml}): {@code model.target}
 * {@code ldm.models.autoencoder.AutoencoderKL} or {@code VQModel}, its shape, its loss, the learning rate and
 * the data.
 *
 * <pre>{@code
 * AutoencoderTrainingConfig kl = LdmYaml.readAutoencoder(Path.of("autoencoder_kl_32x32x4.yaml"), List.of());
 * kl.autoencoder().equals(AutoencoderConfig.klF8());          // true
 * kl.loss();                                                  // Kl[config=AutoencoderLossConfig.ldm()]
 * }</pre>
 *
 * @param baseLearningRate {@code model.base_learning_rate}
 * @param autoencoder      {@code ddconfig}, {@code embed_dim} and (VQ) {@code n_embed}
 * @param loss             {@code lossconfig}: KL loss for a KL model, VQ loss for a VQ model, or none
 * @param data             the {@code data} section, if any
 */
public record AutoencoderTrainingConfig(double baseLearningRate, AutoencoderConfig autoencoder, FirstStageLoss loss,
                                        Optional<DataConfig> data) implements LdmConfig {

    /** Validates the parts and that the loss fits the model. */
    public AutoencoderTrainingConfig {
        if (!(baseLearningRate >= 0) || Double.isInfinite(baseLearningRate)) {
            throw new IllegalArgumentException("baseLearningRate: expected a finite value >= 0, got "
                    + baseLearningRate);
        }
        if (autoencoder == null || loss == null || data == null) {
            throw new IllegalArgumentException("autoencoder, loss, data: expected values (Optional.empty() for no "
                    + "data), got null");
        }
        checkLoss(autoencoder, loss);
    }

    /** A KL loss needs a KL model and a VQ loss a VQ model. */
    static void checkLoss(AutoencoderConfig autoencoder, FirstStageLoss loss) {
        if (loss instanceof FirstStageLoss.Kl && autoencoder.isVq()) {
            throw new IllegalArgumentException("loss: LPIPSWithDiscriminator (KL) does not fit a VQ model (n_embed "
                    + autoencoder.nEmbed() + "); use VQLPIPSWithDiscriminator");
        }
        if (loss instanceof FirstStageLoss.Vq && !autoencoder.isVq()) {
            throw new IllegalArgumentException("loss: VQLPIPSWithDiscriminator does not fit a KL model; use "
                    + "LPIPSWithDiscriminator");
        }
    }
}
