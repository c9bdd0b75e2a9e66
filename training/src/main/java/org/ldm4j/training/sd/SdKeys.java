package org.ldm4j.training.sd;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The key layout of a Stable Diffusion 1.x checkpoint (the reference's {@code LatentDiffusion.state_dict()}): the
 * U-Net under {@code model.diffusion_model.}, the autoencoder under {@code first_stage_model.}, CLIP's text model
 * under {@code cond_stage_model.transformer.text_model.}; optionally the EMA of the U-Net as {@code LitEma} names
 * it ({@code model_ema.} + the wrapper-relative name with its dots removed, plus {@code model_ema.decay} and
 * {@code model_ema.num_updates}), and the noise schedule's buffers that {@code DDPM.register_schedule} saves ({@link #DIFFUSION_BUFFERS}).
 *
 * <pre>{@code
 * SdKeys.emaKey("input_blocks.0.0.weight");     // "model_ema.diffusion_modelinput_blocks00weight"
 * SdKeys.looksLikeStableDiffusion(names);       // true for an SD 1.x state dict
 * }</pre>
 */
public final class SdKeys {
    /** The U-Net's prefix. */
    public static final String UNET = "model.diffusion_model.";
    /** The autoencoder's prefix. */
    public static final String FIRST_STAGE = "first_stage_model.";
    /** The text encoder's prefix ({@code FrozenCLIPEmbedder}); its keys continue {@code transformer.text_model.}. */
    public static final String COND_STAGE = "cond_stage_model.";
    /** Where CLIP's text model sits: {@code cond_stage_model.transformer.text_model.*}. */
    public static final String TEXT_MODEL = COND_STAGE + "transformer.text_model.";
    /** The EMA's prefix ({@code LitEma}). */
    public static final String EMA = "model_ema.";
    /** The EMA's decay and update count, not weights. */
    public static final Set<String> EMA_STATE = Set.of(EMA + "decay", EMA + "num_updates");
    /** CLIP's position ids, a buffer that older {@code transformers} versions saved; not a weight. */
    public static final String POSITION_IDS = TEXT_MODEL + "embeddings.position_ids";
    /** The latent scale, a buffer only when the reference's {@code scale_by_std} is on. */
    public static final String SCALE_FACTOR = "scale_factor";
    /** The first stage's training loss ({@code first_stage_model.loss.*}), absent from SD 1.x (an Identity). */
    public static final String FIRST_STAGE_LOSS = FIRST_STAGE + "loss.";

    /**
     * The diffusion process's buffers ({@code register_schedule}) and its {@code logvar} (a parameter only with
     * {@code learn_logvar}, used by the training loss): recomputed from the config, never loaded.
     */
    public static final List<String> DIFFUSION_BUFFERS = List.of("betas", "alphas_cumprod", "alphas_cumprod_prev",
            "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod",
            "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
            "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2", "logvar");

    private SdKeys() {
    }

    /**
     * The EMA key of the U-Net's {@code unetKey} (relative to {@code model.diffusion_model.}): LitEma names the
     * shadow of {@code diffusion_model.<key>} with the dots removed.
     */
    public static String emaKey(String unetKey) {
        return EMA + ("diffusion_model." + unetKey).replace(".", "");
    }

    /** Whether {@code key} is part of the checkpoint's EMA (weights or state). */
    public static boolean isEma(String key) {
        return key.startsWith(EMA);
    }

    /**
     * Whether the names are a Stable Diffusion 1.x state dict: U-Net, first stage and CLIP text model keys, all
     * three (an ldm4j training checkpoint has the first two but a different text encoder, and its own config).
     */
    public static boolean looksLikeStableDiffusion(Collection<String> names) {
        boolean unet = false;
        boolean vae = false;
        boolean clip = false;
        for (String n : names) {
            unet |= n.startsWith(UNET);
            vae |= n.startsWith(FIRST_STAGE);
            clip |= n.startsWith(TEXT_MODEL);
        }
        return unet && vae && clip;
    }
}
