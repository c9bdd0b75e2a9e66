package org.ldm4j.training.config;

import org.ldm4j.conditioning.spatial.Interpolation;
import org.ldm4j.conditioning.text.TransformerEmbedderConfig;
import org.ldm4j.conditioning.text.clip.ClipTextConfig;

/**
 * The conditioning stage of a latent diffusion model: the reference's {@code cond_stage_config}.
 *
 * <pre>{@code
 * CondStageConfig c = new CondStageConfig.ClassLabels(1001, 512);   // cin256-v2: 1000 classes + the null class
 * CondStageConfig t = new CondStageConfig.Bert(TransformerEmbedderConfig.txt2img1p4B(), true);
 * CondStageConfig s = new CondStageConfig.Clip(ClipTextConfig.vitL14());     // Stable Diffusion 1.x
 * c.contextDim();                                          // 512: the U-Net's context_dim must match
 * }</pre>
 */
public sealed interface CondStageConfig permits CondStageConfig.Unconditional, CondStageConfig.FirstStage,
        CondStageConfig.Identity, CondStageConfig.ClassLabels, CondStageConfig.Transformer, CondStageConfig.Bert,
        CondStageConfig.Clip, CondStageConfig.Rescaler {

    /** Feature size of the cross-attention context this stage produces, or 0 if it produces none. */
    default int contextDim() {
        return 0;
    }

    /** {@code __is_unconditional__}. */
    record Unconditional() implements CondStageConfig {
    }

    /** {@code __is_first_stage__}: the condition is encoded by the (frozen) first stage (inpainting). */
    record FirstStage() implements CondStageConfig {
    }

    /** {@code torch.nn.Identity}: the condition is used as it is (the low-resolution image of super-resolution). */
    record Identity() implements CondStageConfig {
    }

    /**
     * {@code ClassEmbedder}: a table of {@code nClasses} learned embeddings, looked up as a one-token context.
     * {@code nClasses} is the table's size as the reference counts it; in {@code cin256-v2} (1001) its last row is
     * the null class of classifier-free guidance ({@code new ClassEmbedder(nClasses - 1, embedDim, true, rng)}),
     * in {@code cin256} (1000) there is none ({@code new ClassEmbedder(nClasses, embedDim, false, rng)}).
     *
     * @param nClasses rows of the table ({@code n_classes}, default 1000)
     * @param embedDim embedding size ({@code embed_dim})
     */
    record ClassLabels(int nClasses, int embedDim) implements CondStageConfig {
        public ClassLabels {
            if (nClasses < 1) {
                throw new IllegalArgumentException("nClasses: expected at least one class, got " + nClasses);
            }
            if (embedDim < 1) {
                throw new IllegalArgumentException("embedDim: expected a positive embedding size, got " + embedDim);
            }
        }

        @Override
        public int contextDim() {
            return embedDim;
        }
    }

    /**
     * {@code TransformerEmbedder}: token ids through an x-transformers encoder.
     *
     * @param config its shape
     */
    record Transformer(TransformerEmbedderConfig config) implements CondStageConfig {
        public Transformer {
            if (config == null) {
                throw new IllegalArgumentException("config: expected the transformer's shape, got null");
            }
        }

        @Override
        public int contextDim() {
            return config.nEmbed();
        }
    }

    /**
     * {@code BERTEmbedder}: captions through BERT's tokenizer, or (without it) token ids such as a layout's,
     * through an x-transformers encoder.
     *
     * @param config       its shape
     * @param useTokenizer whether captions are tokenized with BERT's tokenizer ({@code use_tokenizer})
     */
    record Bert(TransformerEmbedderConfig config, boolean useTokenizer) implements CondStageConfig {
        public Bert {
            if (config == null) {
                throw new IllegalArgumentException("config: expected the transformer's shape, got null");
            }
        }

        @Override
        public int contextDim() {
            return config.nEmbed();
        }
    }

    /**
     * {@code FrozenCLIPEmbedder}: CLIP's text transformer (Stable Diffusion 1.x).
     *
     * @param config its shape ({@link ClipTextConfig#vitL14()} for {@code openai/clip-vit-large-patch14})
     */
    record Clip(ClipTextConfig config) implements CondStageConfig {
        public Clip {
            if (config == null) {
                throw new IllegalArgumentException("config: expected CLIP's text shape, got null");
            }
        }

        @Override
        public int contextDim() {
            return config.width();
        }
    }

    /**
     * {@code SpatialRescaler}: resizes a spatial condition (a segmentation map) for concatenation.
     *
     * @param nStages     number of resizes ({@code n_stages})
     * @param method      resizing method ({@code method})
     * @param multiplier  scale factor of each resize ({@code multiplier})
     * @param inChannels  channels in ({@code in_channels})
     * @param outChannels channels after the 1x1 mapper ({@code out_channels}), 0 for none
     * @param bias        whether the mapper has a bias ({@code bias})
     */
    record Rescaler(int nStages, Interpolation method, double multiplier, int inChannels, int outChannels,
                    boolean bias) implements CondStageConfig {
        public Rescaler {
            if (nStages < 0) {
                throw new IllegalArgumentException("nStages: expected 0 or more stages, got " + nStages);
            }
            if (method == null) {
                throw new IllegalArgumentException("method: expected NEAREST, BILINEAR or AREA, got null");
            }
            if (!(multiplier > 0) || Double.isInfinite(multiplier)) {
                throw new IllegalArgumentException("multiplier: expected a positive scale factor, got " + multiplier);
            }
            if (inChannels < 1 || outChannels < 0) {
                throw new IllegalArgumentException("channels: expected inChannels >= 1 and outChannels >= 0 (0: no "
                        + "mapper), got " + inChannels + ", " + outChannels);
            }
        }
    }
}
