package org.ldm4j.training.config;

import java.util.Optional;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.unet.UNetConfig;

/**
 * A latent diffusion model's config ({@code model.target: ldm.models.diffusion.ddpm.LatentDiffusion}): the
 * diffusion settings, the U-Net, the frozen first stage, the conditioning stage, the learning rate and its
 * schedule, and the data.
 *
 * <p>The first stage's {@code lossconfig} is checked when read but not kept: a LatentDiffusion never trains its
 * first stage, and the file is written back with {@code torch.nn.Identity}.
 *
 * <pre>{@code
 * LatentDiffusionConfig sd = LdmYaml.readLatentDiffusion(Path.of("v1-inference.yaml"), List.of());
 * sd.unet().equals(UNetConfig.sd15());                   // true
 * sd.firstStage().equals(AutoencoderConfig.sdVaeF8());   // true
 * sd.condStage();                                        // Clip[config=ClipTextConfig.vitL14()]
 * }</pre>
 *
 * @param baseLearningRate {@code model.base_learning_rate}
 * @param diffusion        the diffusion settings of {@code model.params}
 * @param unet             {@code unet_config}
 * @param firstStage       {@code first_stage_config} (KL with {@code nEmbed} 0, else VQ)
 * @param condStage        {@code cond_stage_config}
 * @param lrSchedule       {@code scheduler_config}, if any
 * @param data             the {@code data} section, if any
 */
public record LatentDiffusionConfig(double baseLearningRate, DiffusionSettings diffusion, UNetConfig unet,
                                    AutoencoderConfig firstStage, CondStageConfig condStage,
                                    Optional<LrScheduleConfig> lrSchedule, Optional<DataConfig> data)
        implements LdmConfig {

    /** Validates the parts and how they fit together (as far as the reference asserts it, and context sizes). */
    public LatentDiffusionConfig {
        if (!(baseLearningRate >= 0) || Double.isInfinite(baseLearningRate)) {
            throw new IllegalArgumentException("baseLearningRate: expected a finite value >= 0, got "
                    + baseLearningRate);
        }
        if (diffusion == null || unet == null || firstStage == null || condStage == null || lrSchedule == null
                || data == null) {
            throw new IllegalArgumentException("diffusion, unet, firstStage, condStage, lrSchedule, data: expected "
                    + "values (Optional.empty() for none), got null");
        }
        boolean unconditional = condStage instanceof CondStageConfig.Unconditional;
        if (unconditional != (diffusion.conditioningKey() == ConditioningKey.NONE)) {
            throw new IllegalArgumentException("conditioningKey: expected NONE exactly for an unconditional model, got "
                    + diffusion.conditioningKey() + " with " + condStage);
        }
        if (diffusion.condStageTrainable()
                && (unconditional || condStage instanceof CondStageConfig.FirstStage)) {
            throw new IllegalArgumentException("condStageTrainable: the reference cannot train " + condStage
                    + " (__is_unconditional__ / __is_first_stage__); set it to false");
        }
        ConditioningKey key = diffusion.conditioningKey();
        boolean crossAttention = key == ConditioningKey.CROSSATTN || key == ConditioningKey.HYBRID;
        if (crossAttention && condStage.contextDim() > 0 && unet.contextDim() != condStage.contextDim()) {
            throw new IllegalArgumentException("contextDim: the conditioning stage produces " + condStage.contextDim()
                    + " features, but the U-Net's context_dim is " + unet.contextDim());
        }
        if (crossAttention && !unet.useSpatialTransformer()) {
            throw new IllegalArgumentException("conditioningKey: " + key.referenceName() + " needs a U-Net with "
                    + "use_spatial_transformer and context_dim");
        }
        if (key == ConditioningKey.ADM && !unet.isClassConditional()) {
            throw new IllegalArgumentException("conditioningKey: adm needs a U-Net with num_classes");
        }
    }
}
