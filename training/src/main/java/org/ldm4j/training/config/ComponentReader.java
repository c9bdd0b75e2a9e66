package org.ldm4j.training.config;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.loss.AutoencoderLossConfig;
import org.ldm4j.autoencoder.loss.GanLoss;
import org.ldm4j.autoencoder.loss.PatchGanDiscriminator;
import org.ldm4j.autoencoder.loss.VqLossConfig;
import org.ldm4j.conditioning.spatial.Interpolation;
import org.ldm4j.conditioning.text.TransformerEmbedderConfig;
import org.ldm4j.conditioning.text.clip.ClipTextConfig;
import org.ldm4j.training.config.ConfigNode.ScalarNode;
import org.ldm4j.training.config.Targets.Kind;
import org.ldm4j.unet.UNetConfig;

/**
 * Maps the reference's sub-model sections ({@code unet_config}, {@code first_stage_config} and its
 * {@code ddconfig} and {@code lossconfig}, {@code cond_stage_config}) to ldm4j's config records. Defaults are the
 * reference constructors' defaults.
 */
final class ComponentReader {
    private ComponentReader() {
    }

    static final Map<String, GanLoss> GAN_LOSSES = ModelReader.ordered("hinge", GanLoss.HINGE, "vanilla",
            GanLoss.VANILLA);
    static final Map<String, Interpolation> INTERPOLATIONS = ModelReader.ordered("nearest", Interpolation.NEAREST,
            "bilinear", Interpolation.BILINEAR, "area", Interpolation.AREA);
    static final Map<String, ClipTextConfig.Activation> ACTIVATIONS = ModelReader.ordered("quick_gelu",
            ClipTextConfig.Activation.QUICK_GELU, "gelu", ClipTextConfig.Activation.GELU);

    /** Builds a record, turning its validation error into a ConfigException at {@code at}. */
    static <T> T build(ConfigNode at, Supplier<T> build) {
        try {
            return build.get();
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(at, e.getMessage());
        }
    }

    // ---------------------------------------------------------------- U-Net

    /** {@code unet_config}: {@code openaimodel.UNetModel}'s keyword arguments. */
    static UNetConfig unet(MapReader section) {
        Targets.of(section, Targets.UNET_MODEL);
        MapReader p = Targets.params(section);
        section.finish();
        int imageSize = p.requiredInt("image_size");
        int inChannels = p.requiredInt("in_channels");
        int modelChannels = p.requiredInt("model_channels");
        int outChannels = p.requiredInt("out_channels");
        int numResBlocks = p.requiredInt("num_res_blocks");
        List<Integer> attention = p.requiredIntList("attention_resolutions");
        double dropout = p.doubleOr("dropout", 0.0);
        List<Integer> channelMult = p.intListOr("channel_mult", List.of(1, 2, 4, 8));
        boolean convResample = p.boolOr("conv_resample", true);
        int numClasses = p.intOr("num_classes", 0);
        boolean useCheckpoint = p.boolOr("use_checkpoint", false);
        int numHeads = p.intOr("num_heads", -1);
        int numHeadChannels = p.intOr("num_head_channels", -1);
        int numHeadsUpsample = p.intOr("num_heads_upsample", -1);
        boolean scaleShift = p.boolOr("use_scale_shift_norm", false);
        boolean resblockUpdown = p.boolOr("resblock_updown", false);
        boolean spatial = p.boolOr("use_spatial_transformer", false);
        int depth = p.intOr("transformer_depth", 1);
        int contextDim = p.intOr("context_dim", 0);
        boolean legacy = p.boolOr("legacy", true);
        p.onlyInt("dims", 2);
        p.onlyBool("use_new_attention_order", false);
        p.onlyNull("n_embed");
        p.ignore(IgnoredKeys.UNET.keySet());
        p.finish();
        return build(p.node(), () -> new UNetConfig(imageSize, inChannels, modelChannels, outChannels, numResBlocks,
                attention, dropout, channelMult, convResample, numClasses, useCheckpoint, numHeads, numHeadChannels,
                numHeadsUpsample, scaleShift, resblockUpdown, spatial, depth, contextDim, legacy));
    }

    // ---------------------------------------------------------------- first stage

    /** A first-stage model and its loss. */
    record FirstStage(AutoencoderConfig config, FirstStageLoss loss) {
    }

    /**
     * A first-stage section ({@code first_stage_config}, or {@code model} of an autoencoder config), whose target
     * has already been resolved to {@code kind} (KL or VQ).
     */
    static FirstStage firstStage(MapReader section, Kind kind) {
        MapReader p = Targets.params(section);
        section.finish();
        int embedDim = p.requiredInt("embed_dim");
        int nEmbed = kind == Kind.VQ ? p.requiredInt("n_embed") : 0;
        AutoencoderConfig config = ddconfig(p.map("ddconfig"), embedDim, nEmbed, kind);
        FirstStageLoss loss = loss(p.map("lossconfig"));
        p.onlyNull("colorize_nlabels");
        p.ignore(IgnoredKeys.AUTOENCODER.keySet());
        if (kind == Kind.VQ) {
            p.onlyNull("batch_resize_range");
            p.onlyNull("scheduler_config");
            p.onlyDouble("lr_g_factor", 1.0);
            p.onlyNull("remap");
            p.onlyBool("use_ema", false);
            p.ignore(IgnoredKeys.VQ_MODEL.keySet());
        }
        p.finish();
        build(p.get("lossconfig"), () -> {
            AutoencoderTrainingConfig.checkLoss(config, loss);
            return null;
        });
        return new FirstStage(config, loss);
    }

    /** {@code ddconfig}: the Encoder/Decoder arguments. */
    static AutoencoderConfig ddconfig(MapReader dd, int embedDim, int nEmbed, Kind kind) {
        int ch = dd.requiredInt("ch");
        int outCh = dd.requiredInt("out_ch");
        List<Integer> chMult = dd.intListOr("ch_mult", List.of(1, 2, 4, 8));
        int numResBlocks = dd.requiredInt("num_res_blocks");
        List<Integer> attn = dd.requiredIntList("attn_resolutions");
        double dropout = dd.doubleOr("dropout", 0.0);
        int inChannels = dd.requiredInt("in_channels");
        int resolution = dd.requiredInt("resolution");
        int zChannels = dd.requiredInt("z_channels");
        boolean doubleZ = dd.boolOr("double_z", true);
        dd.onlyBool("resamp_with_conv", true);
        dd.onlyBool("use_linear_attn", false);
        dd.onlyString("attn_type", "vanilla");
        dd.onlyBool("give_pre_end", false);
        dd.onlyBool("tanh_out", false);
        dd.finish();
        if (kind == Kind.KL && !doubleZ) {
            throw ConfigException.at(dd.get("double_z"), "AutoencoderKL needs double_z: true (the encoder outputs "
                    + "mean and log-variance), got false");
        }
        return build(dd.node(), () -> new AutoencoderConfig(ch, chMult, numResBlocks, attn, zChannels, doubleZ,
                dropout, resolution, inChannels, outCh, embedDim, nEmbed));
    }

    /** {@code lossconfig}. */
    static FirstStageLoss loss(MapReader section) {
        Kind kind = Targets.of(section, Targets.LOSS);
        MapReader p = Targets.params(section);
        section.finish();
        if (kind == Kind.NO_LOSS) {
            p.finish();
            return new FirstStageLoss.None();
        }
        long discStart = p.requiredLong("disc_start");
        double pixelWeight = p.doubleOr("pixelloss_weight", 1.0);
        int discNumLayers = p.intOr("disc_num_layers", 3);
        int discInChannels = p.intOr("disc_in_channels", 3);
        double discFactor = p.doubleOr("disc_factor", 1.0);
        double discWeight = p.doubleOr("disc_weight", 1.0);
        double perceptualWeight = p.doubleOr("perceptual_weight", 1.0);
        PatchGanDiscriminator.Norm norm = p.boolOr("use_actnorm", false) ? PatchGanDiscriminator.Norm.ACT_NORM
                : PatchGanDiscriminator.Norm.BATCH_NORM;
        boolean conditional = p.boolOr("disc_conditional", false);
        GanLoss discLoss = p.choiceOr("disc_loss", GAN_LOSSES, GanLoss.HINGE);
        int discNdf = p.intOr("disc_ndf", 64);          // VQ: the reference's; KL: an ldm4j extension
        if (kind == Kind.KL_LOSS) {
            double logvarInit = p.doubleOr("logvar_init", 0.0);
            double klWeight = p.doubleOr("kl_weight", 1.0);
            p.finish();
            return build(p.node(), () -> new FirstStageLoss.Kl(new AutoencoderLossConfig(discStart, logvarInit,
                    klWeight, pixelWeight, discNumLayers, discInChannels, discFactor, discWeight, perceptualWeight,
                    norm, conditional, discLoss, discNdf)));
        }
        double codebookWeight = p.doubleOr("codebook_weight", 1.0);
        if (kind == Kind.VQ_LOSS_LDM) {
            p.onlyNull("n_classes");
            p.onlyString("perceptual_loss", "lpips");
            p.onlyString("pixel_loss", "l1");
        }
        p.finish();
        return build(p.node(), () -> new FirstStageLoss.Vq(new VqLossConfig(discStart, codebookWeight, pixelWeight,
                discNumLayers, discInChannels, discFactor, discWeight, perceptualWeight, norm, conditional, discNdf,
                discLoss)));
    }

    // ---------------------------------------------------------------- conditioning stage

    /** {@code cond_stage_config}: a section, or {@code __is_unconditional__} / {@code __is_first_stage__}. */
    static CondStageConfig condStage(ConfigNode node) {
        if (node instanceof ScalarNode s && !s.isNull()) {
            return switch (s.text()) {
                case Targets.UNCONDITIONAL -> new CondStageConfig.Unconditional();
                case Targets.FIRST_STAGE -> new CondStageConfig.FirstStage();
                default -> throw ConfigException.expected(node, Targets.UNCONDITIONAL + ", " + Targets.FIRST_STAGE
                        + " or a map with target " + Targets.COND_STAGE.keySet());
            };
        }
        MapReader section = MapReader.of(node);
        Kind kind = Targets.of(section, Targets.COND_STAGE);
        MapReader p = Targets.params(section);
        section.finish();
        CondStageConfig c = switch (kind) {
            case CLASS_EMBEDDER -> {
                int embedDim = p.requiredInt("embed_dim");
                int nClasses = p.intOr("n_classes", 1000);
                p.ignore(IgnoredKeys.CLASS_EMBEDDER.keySet());
                yield build(p.node(), () -> new CondStageConfig.ClassLabels(nClasses, embedDim));
            }
            case TRANSFORMER -> new CondStageConfig.Transformer(transformer(p, p.requiredInt("vocab_size")));
            case BERT -> {
                boolean tokenizer = p.boolOr("use_tokenizer", true);
                yield new CondStageConfig.Bert(transformer(p, p.intOr("vocab_size", 30522)), tokenizer);
            }
            case CLIP -> new CondStageConfig.Clip(clip(p));
            case RESCALER -> {
                int nStages = p.intOr("n_stages", 1);
                Interpolation method = p.choiceOr("method", INTERPOLATIONS, Interpolation.BILINEAR);
                double multiplier = p.doubleOr("multiplier", 0.5);
                int in = p.intOr("in_channels", 3);
                int out = p.intOr("out_channels", 0);
                boolean bias = p.boolOr("bias", false);
                yield build(p.node(), () -> new CondStageConfig.Rescaler(nStages, method, multiplier, in, out, bias));
            }
            case IDENTITY -> new CondStageConfig.Identity();
            default -> throw new IllegalStateException("unreachable: " + kind);
        };
        p.finish();
        return c;
    }

    /**
     * {@code TransformerEmbedder}/{@code BERTEmbedder}: {@code n_embed}, {@code n_layer}, {@code max_seq_len},
     * {@code embedding_dropout}, and ldm4j's extensions {@code heads}, {@code dim_head}, {@code ff_mult}
     * (x-transformers' defaults 8, 64, 4, which the reference cannot change).
     */
    private static TransformerEmbedderConfig transformer(MapReader p, int vocabSize) {
        int nEmbed = p.requiredInt("n_embed");
        int nLayer = p.requiredInt("n_layer");
        int maxSeqLen = p.intOr("max_seq_len", 77);
        double dropout = p.doubleOr("embedding_dropout", 0.0);
        int heads = p.intOr("heads", 8);
        int dimHead = p.intOr("dim_head", 64);
        int ffMult = p.intOr("ff_mult", 4);
        p.ignore(IgnoredKeys.TEXT_ENCODER.keySet());
        return build(p.node(), () -> new TransformerEmbedderConfig(nEmbed, nLayer, vocabSize, maxSeqLen, heads,
                dimHead, ffMult, dropout));
    }

    /**
     * {@code FrozenCLIPEmbedder}: {@code version} must be {@code openai/clip-vit-large-patch14} and
     * {@code max_length} its 77 positions; ldm4j's extensions {@code vocab_size}, {@code width}, {@code layers},
     * {@code heads}, {@code intermediate}, {@code activation}, {@code layer_norm_eps} change the shape (tests, tiny
     * models), with ViT-L/14's values as defaults.
     */
    private static ClipTextConfig clip(MapReader p) {
        ClipTextConfig l14 = ClipTextConfig.vitL14();
        p.choiceOr("version", Map.of(Targets.CLIP_L14, l14), l14);
        int maxLength = p.intOr("max_length", l14.maxPositions());
        int vocab = p.intOr("vocab_size", l14.vocabSize());
        int width = p.intOr("width", l14.width());
        int layers = p.intOr("layers", l14.layers());
        int heads = p.intOr("heads", l14.heads());
        int intermediate = p.intOr("intermediate", l14.intermediate());
        ClipTextConfig.Activation act = p.choiceOr("activation", ACTIVATIONS, l14.activation());
        double eps = p.doubleOr("layer_norm_eps", l14.layerNormEps());
        p.ignore(IgnoredKeys.TEXT_ENCODER.keySet());
        return build(p.node(), () -> new ClipTextConfig(vocab, width, layers, heads, maxLength, intermediate, act,
                eps));
    }
}
