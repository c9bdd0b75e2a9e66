package org.ldm4j.training.sd;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.ldm4j.training.sd.WeightPlan.Decision;

/**
 * How the tensors of a Stable Diffusion checkpoint map to the keys of ldm4j's {@code LatentDiffusion}: the
 * reference's own layout (a {@code .safetensors} or {@code .ckpt} file: the names are ours already, with the EMA
 * weights renamed from LitEma's dotless names when chosen) or a diffusers folder (renamed by
 * {@link DiffusersKeys}). What is not a weight of the model (the EMA's state, the schedule's buffers, CLIP's
 * position ids, the autoencoder's training loss, the weights not chosen) is ignored with a reason; anything else
 * must be a model key, or loading fails naming it.
 *
 * <pre>{@code
 * Function<String, Decision> n = SdNaming.reference(true, SdNaming.emaTargets(model.unet().stateDict().keySet()));
 * n.apply("model_ema.diffusion_modelout2weight");      // to model.diffusion_model.out.2.weight
 * n.apply("model.diffusion_model.out.2.weight");       // ignored: the raw U-Net weights (EMA chosen)
 * }</pre>
 */
final class SdNaming {
    /** The prefixes of a diffusers folder's components in {@link WeightSource#prefixed}. */
    static final String UNET_DIR = "unet/";
    static final String VAE_DIR = "vae/";
    static final String TEXT_DIR = "text_encoder/";

    private static final Pattern VAE_ATTENTION_WEIGHT = Pattern.compile(
            Pattern.quote(SdKeys.FIRST_STAGE) + "(encoder|decoder)\\.(mid\\.attn_1|(down|up)\\.\\d+\\.attn\\.\\d+)\\."
                    + "(q|k|v|proj_out)\\.weight");

    private SdNaming() {
    }

    /** LitEma's name of each U-Net key, to the model key: from the U-Net's keys (relative to its prefix). */
    static Map<String, String> emaTargets(Iterable<String> unetKeys) {
        Map<String, String> m = new HashMap<>();
        for (String k : unetKeys) {
            m.put(SdKeys.emaKey(k), SdKeys.UNET + k);
        }
        return m;
    }

    /**
     * The reference's layout. With {@code ema} the U-Net comes from {@code model_ema.*} (renamed through
     * {@code emaTargets}, see {@link #emaTargets}); without, from {@code model.diffusion_model.*}.
     */
    static Function<String, Decision> reference(boolean ema, Map<String, String> emaTargets) {
        return name -> {
            if (SdKeys.EMA_STATE.contains(name)) {
                return Decision.ignore("the EMA's decay and update count");
            }
            if (SdKeys.isEma(name)) {
                if (!ema) {
                    return Decision.ignore("EMA weights (not chosen; --ema selects them)");
                }
                String target = emaTargets.get(name);
                return Decision.to(target != null ? target : name);     // an unknown EMA name: unexpected
            }
            if (name.startsWith(SdKeys.UNET) && ema) {
                return Decision.ignore("raw U-Net weights (the EMA weights were chosen)");
            }
            if (SdKeys.DIFFUSION_BUFFERS.contains(name)) {
                return Decision.ignore("diffusion schedule buffers (recomputed from the config)");
            }
            if (name.equals(SdKeys.POSITION_IDS)) {
                return Decision.ignore("CLIP's position ids (a constant buffer)");
            }
            if (name.startsWith(SdKeys.FIRST_STAGE_LOSS)) {
                return Decision.ignore("the autoencoder's training loss");
            }
            String clip = SdKeys.COND_STAGE + "transformer.";
            if (name.startsWith(clip) && !name.startsWith(SdKeys.TEXT_MODEL)) {
                // files saved from CLIPTextTransformer directly lack the text_model level
                String fixed = SdKeys.TEXT_MODEL + name.substring(clip.length());
                return fixed.equals(SdKeys.POSITION_IDS) ? Decision.ignore("CLIP's position ids (a constant buffer)")
                        : Decision.to(fixed);
            }
            return Decision.to(name);
        };
    }

    /** A diffusers folder read as {@code unet/*}, {@code vae/*}, {@code text_encoder/*}. */
    static Function<String, Decision> diffusers(StableDiffusionConfig config) {
        DiffusersKeys unet = DiffusersKeys.unet(config.unet());
        DiffusersKeys vae = DiffusersKeys.autoencoder(config.autoencoder());
        DiffusersKeys text = DiffusersKeys.textEncoder();
        return name -> {
            if (name.equals(TEXT_DIR + "text_model.embeddings.position_ids")) {
                return Decision.ignore("CLIP's position ids (a constant buffer)");
            }
            String key = name.startsWith(UNET_DIR) ? prefixed(SdKeys.UNET, unet.toReference(rest(name, UNET_DIR)))
                    : name.startsWith(VAE_DIR) ? prefixed(SdKeys.FIRST_STAGE, vae.toReference(rest(name, VAE_DIR)))
                    : name.startsWith(TEXT_DIR) ? prefixed(SdKeys.COND_STAGE, text.toReference(rest(name, TEXT_DIR)))
                    : null;
            return Decision.to(key != null ? key : name);       // an unknown name stays itself: unexpected
        };
    }

    /** Whether a model key is one of the autoencoder's attention 1x1 convolutions, which diffusers stores [C, C]. */
    static boolean isLinearAsConv(String key) {
        return VAE_ATTENTION_WEIGHT.matcher(key).matches();
    }

    private static String rest(String name, String dir) {
        return name.substring(dir.length());
    }

    private static String prefixed(String prefix, String key) {
        return key == null ? null : prefix + key;
    }
}
