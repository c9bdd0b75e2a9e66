package org.ldm4j.training.sd;

import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.AutoencoderKL;
import org.ldm4j.conditioning.text.EmptyPrompt;
import org.ldm4j.conditioning.text.clip.ClipTextConfig;
import org.ldm4j.conditioning.text.clip.FrozenClipEmbedder;
import org.ldm4j.conditioning.text.tokenize.ClipTokenizer;
import org.ldm4j.core.nn.SkipInit;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.diffusion.DiffusionProcess;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.training.config.CondStageConfig;
import org.ldm4j.training.config.ConditioningKey;
import org.ldm4j.training.config.LatentDiffusionConfig;
import org.ldm4j.training.models.CondStage;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.models.LdmSpec;
import org.ldm4j.unet.UNetConfig;
import org.ldm4j.unet.UNetModel;

/**
 * The shape of a Stable Diffusion 1.x model: the U-Net, the KL autoencoder, CLIP's text encoder, the noise
 * schedule, what the U-Net predicts, the latent scale and the image size it was trained at. {@link #v1()} is
 * {@code configs/stable-diffusion/v1-inference.yaml}; {@link #of(LatentDiffusionConfig)} reads any config of that
 * form (a fine-tune's YAML, or a tiny test model's).
 *
 * <pre>{@code
 * StableDiffusionConfig sd = StableDiffusionConfig.v1();
 * sd.unet().parameterCount();                                         // 859,520,964
 * LatentDiffusion ldm = sd.buildEmpty(tokenizer, DType.FLOAT32);      // zeros, to be loaded: see StableDiffusion
 * StableDiffusionConfig tiny = StableDiffusionConfig.of(LdmYaml.readLatentDiffusion(yaml, List.of()));
 * }</pre>
 *
 * @param unet        the U-Net ({@code unet_config}): cross-attention to the text encoder's width
 * @param autoencoder the first stage, a KL autoencoder ({@code first_stage_config})
 * @param text        CLIP's text transformer ({@code cond_stage_config}, {@code FrozenCLIPEmbedder})
 * @param schedule    the noise schedule ({@code beta_schedule}, {@code timesteps}, {@code linear_start/end})
 * @param prediction  what the U-Net predicts ({@code parameterization}; SD 1.x: eps)
 * @param scaleFactor the latent scale ({@code scale_factor}; SD 1.x: 0.18215)
 * @param imageSize   the side of the images it was trained on, the default of sampling (SD 1.x: 512)
 */
public record StableDiffusionConfig(UNetConfig unet, AutoencoderConfig autoencoder, ClipTextConfig text,
        LdmSpec.ScheduleSpec schedule, Prediction prediction, double scaleFactor, int imageSize) {

    /** Stable Diffusion 1.x's latent scale. */
    public static final double SD_SCALE_FACTOR = 0.18215;

    /** Validates each part and how they fit: latent channels, context width, a KL first stage. */
    public StableDiffusionConfig {
        if (unet == null || autoencoder == null || text == null || schedule == null || prediction == null) {
            throw new IllegalArgumentException("unet, autoencoder, text, schedule, prediction: expected every part, "
                    + "got a null");
        }
        if (!autoencoder.doubleZ() || autoencoder.isVq()) {
            throw new IllegalArgumentException("autoencoder: expected a KL autoencoder (double_z, no codebook) as "
                    + "Stable Diffusion's, got doubleZ " + autoencoder.doubleZ() + ", nEmbed " + autoencoder.nEmbed());
        }
        if (unet.inChannels() != autoencoder.embedDim() || unet.outChannels() != autoencoder.embedDim()) {
            throw new IllegalArgumentException("unet: expected " + autoencoder.embedDim() + " channels in and out "
                    + "(the latent's), got " + unet.inChannels() + " and " + unet.outChannels()
                    + (unet.inChannels() > autoencoder.embedDim() ? " (an inpainting U-Net with concatenated mask and "
                    + "image latents is not supported; use a text-to-image checkpoint, which inpaints too)" : ""));
        }
        if (!unet.useSpatialTransformer() || unet.contextDim() != text.width()) {
            throw new IllegalArgumentException("unet: expected cross-attention to the text encoder's " + text.width()
                    + " features, got context_dim " + unet.contextDim());
        }
        if (unet.isClassConditional()) {
            throw new IllegalArgumentException("unet: expected no class embedding (num_classes), got "
                    + unet.numClasses());
        }
        if (!(scaleFactor > 0) || Double.isInfinite(scaleFactor)) {
            throw new IllegalArgumentException("scaleFactor: expected a finite positive scale, got " + scaleFactor);
        }
        int f = autoencoder.downsamplingFactor();
        if (imageSize < f || imageSize % f != 0) {
            throw new IllegalArgumentException("imageSize: expected a positive multiple of the autoencoder's factor "
                    + f + ", got " + imageSize);
        }
    }

    /**
     * Stable Diffusion 1.x ({@code v1-inference.yaml}): {@link UNetConfig#sd15()}, {@link AutoencoderConfig#sdVaeF8()}
     * (kl-f8), {@link ClipTextConfig#vitL14()}, the linear schedule 0.00085 to 0.012 over 1000 steps, eps
     * prediction, scale 0.18215, 512x512 images.
     */
    public static StableDiffusionConfig v1() {
        return new StableDiffusionConfig(UNetConfig.sd15(), AutoencoderConfig.sdVaeF8(), ClipTextConfig.vitL14(),
                LdmSpec.ScheduleSpec.sd(), Prediction.EPSILON, SD_SCALE_FACTOR, 512);
    }

    /**
     * The model of a reference config such as {@code v1-inference.yaml}: a KL first stage,
     * {@code FrozenCLIPEmbedder} and {@code conditioning_key: crossattn}; the image size is {@code image_size}
     * (the latent side) times the autoencoder's factor.
     */
    public static StableDiffusionConfig of(LatentDiffusionConfig c) {
        if (c == null) {
            throw new IllegalArgumentException("config: expected a LatentDiffusion config, got null");
        }
        if (!(c.condStage() instanceof CondStageConfig.Clip clip)) {
            throw new IllegalArgumentException("cond_stage_config: expected FrozenCLIPEmbedder (Stable Diffusion 1.x), "
                    + "got " + c.condStage());
        }
        if (c.diffusion().conditioningKey() != ConditioningKey.CROSSATTN) {
            throw new IllegalArgumentException("conditioning_key: expected crossattn, got "
                    + c.diffusion().conditioningKey());
        }
        var d = c.diffusion();
        return new StableDiffusionConfig(c.unet(), c.firstStage(), clip.config(),
                new LdmSpec.ScheduleSpec(d.betaSchedule(), d.timesteps(), d.linearStart(), d.linearEnd(), d.cosineS()),
                d.prediction(), d.scaleFactor(), d.imageSize() * c.firstStage().downsamplingFactor());
    }

    /** This config with another default image size. */
    public StableDiffusionConfig withImageSize(int size) {
        return new StableDiffusionConfig(unet, autoencoder, text, schedule, prediction, scaleFactor, size);
    }

    /** Parameters of the U-Net, autoencoder and text encoder together (1,066,235,307 for SD 1.x). */
    public long parameterCount() {
        return unet.parameterCount() + autoencoder.parameterCount() + text.parameterCount();
    }

    /** A model with weights drawn from {@code rng} (tiny models for tests; real ones are loaded). */
    public LatentDiffusion build(ClipTokenizer tokenizer, Rng rng) {
        if (rng == null) {
            throw new IllegalArgumentException("rng: expected a generator for the initial weights, got null");
        }
        checkTokenizer(tokenizer);
        return assemble(new Parts(this, tokenizer, rng));
    }

    /**
     * A model whose weights are zeros of {@code dtype}, built without drawing them ({@link SkipInit}): the model
     * that a checkpoint is loaded into. The latent scale is {@link #scaleFactor()}.
     */
    public LatentDiffusion buildEmpty(ClipTokenizer tokenizer, DType dtype) {
        checkTokenizer(tokenizer);
        Parts parts;
        try (SkipInit s = SkipInit.open(dtype)) {
            parts = new Parts(this, tokenizer, new Rng(0));
        }
        return assemble(parts);           // the scale factor buffer stays float32, outside the scope
    }

    private static void checkTokenizer(ClipTokenizer tokenizer) {
        if (tokenizer == null) {
            throw new IllegalArgumentException("tokenizer: expected CLIP's tokenizer (vocab.json and merges.txt), "
                    + "got null");
        }
    }

    private LatentDiffusion assemble(Parts p) {
        LatentDiffusion ldm = new LatentDiffusion(p.unet, p.vae, CondStage.clip(p.clip, p.tokenizer),
                new DiffusionProcess(schedule.build(), prediction), scaleFactor);
        ldm.eval();
        return ldm;
    }

    /** The three networks, built in the order (and from the generator streams) every build uses. */
    private static final class Parts {
        final UNetModel unet;
        final FrozenClipEmbedder clip;
        final AutoencoderKL vae;
        final ClipTokenizer tokenizer;

        Parts(StableDiffusionConfig c, ClipTokenizer tokenizer, Rng rng) {
            this.tokenizer = tokenizer;
            unet = new UNetModel(c.unet, rng.fork(0));
            clip = new FrozenClipEmbedder(c.text, EmptyPrompt.ofIds(tokenizer.padId(), tokenizer.encode("")),
                    rng.fork(1));
            vae = new AutoencoderKL(c.autoencoder, rng.fork(2));
        }
    }
}
