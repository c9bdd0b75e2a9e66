package org.ldm4j.training.config;

import org.ldm4j.diffusion.DiffusionLossConfig;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;

/**
 * The diffusion part of a {@code LatentDiffusion} config ({@code model.params} without the sub-model configs):
 * the noise schedule, what the U-Net predicts, the training loss, how the condition enters, and the latent
 * scaling. Validated on construction, including the schedule itself.
 *
 * <pre>{@code
 * DiffusionSettings d = LdmYaml.readLatentDiffusion(path, List.of()).diffusion();
 * NoiseSchedule s = d.schedule();                 // NoiseSchedule.linear(1000, 0.00085, 0.012) for SD 1.x
 * d.scaleFactor();                                // 0.18215
 * }</pre>
 *
 * @param timesteps          number of diffusion steps T ({@code timesteps}, default 1000)
 * @param betaSchedule       {@code beta_schedule}: linear (default), cosine, sqrt_linear, sqrt
 * @param linearStart        {@code linear_start} (default 1e-4)
 * @param linearEnd          {@code linear_end} (default 2e-2)
 * @param cosineS            {@code cosine_s}, the cosine schedule's offset (default 8e-3)
 * @param prediction         {@code parameterization}: eps (default), x0, v
 * @param loss               {@code loss_type}, {@code l_simple_weight}, {@code original_elbo_weight},
 *                           {@code learn_logvar}, {@code logvar_init} (and ldm4j's {@code min_snr_gamma},
 *                           {@code offset_noise})
 * @param conditioningKey    {@code conditioning_key} as the reference resolves it (from {@code concat_mode} when
 *                           absent, NONE for an unconditional model)
 * @param condStageTrainable {@code cond_stage_trainable} (default false)
 * @param scaleFactor        {@code scale_factor}, the latents' scale (default 1)
 * @param scaleByStd         {@code scale_by_std}: set the scale to 1/std of the first batch's latents when training
 *                           starts (default false)
 * @param useEma             {@code use_ema}: keep an EMA of the U-Net (default true)
 * @param imageSize          latent side ({@code image_size}, default 256)
 * @param channels           latent channels ({@code channels}, default 3)
 */
public record DiffusionSettings(int timesteps, NoiseSchedule.Kind betaSchedule, double linearStart,
                                double linearEnd, double cosineS, Prediction prediction, DiffusionLossConfig loss,
                                ConditioningKey conditioningKey, boolean condStageTrainable, double scaleFactor,
                                boolean scaleByStd, boolean useEma, int imageSize, int channels) {

    /** Validates every field and that the schedule can be built. */
    public DiffusionSettings {
        if (timesteps < 1) {
            throw new IllegalArgumentException("timesteps: expected at least 1, got " + timesteps);
        }
        if (betaSchedule == null || prediction == null || loss == null || conditioningKey == null) {
            throw new IllegalArgumentException("betaSchedule, prediction, loss, conditioningKey: expected values, got "
                    + betaSchedule + ", " + prediction + ", " + loss + ", " + conditioningKey);
        }
        if (!(scaleFactor > 0) || Double.isInfinite(scaleFactor)) {
            throw new IllegalArgumentException("scaleFactor: expected a positive finite scale, got " + scaleFactor);
        }
        if (imageSize < 1 || channels < 1) {
            throw new IllegalArgumentException("imageSize, channels: expected positive values, got " + imageSize + ", "
                    + channels);
        }
        NoiseSchedule.of(betaSchedule, timesteps, linearStart, linearEnd, cosineS);
    }

    /** The noise schedule: {@code make_beta_schedule(beta_schedule, timesteps, linear_start, linear_end, cosine_s)}. */
    public NoiseSchedule schedule() {
        return NoiseSchedule.of(betaSchedule, timesteps, linearStart, linearEnd, cosineS);
    }
}
