package org.ldm4j.training.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.loss.AutoencoderLossConfig;
import org.ldm4j.autoencoder.loss.GanLoss;
import org.ldm4j.autoencoder.loss.PatchGanDiscriminator;
import org.ldm4j.autoencoder.loss.VqLossConfig;
import org.ldm4j.conditioning.text.TransformerEmbedderConfig;
import org.ldm4j.conditioning.text.clip.ClipTextConfig;
import org.ldm4j.diffusion.DiffusionLossConfig;
import org.ldm4j.training.config.ConfigNode.ListNode;
import org.ldm4j.training.config.ConfigNode.MapNode;
import org.ldm4j.training.config.ConfigNode.Origin;
import org.ldm4j.training.config.ConfigNode.ScalarNode;
import org.ldm4j.training.config.ConfigNode.ScalarType;
import org.ldm4j.training.data.ShapeColour;
import org.ldm4j.training.data.ShapeKind;
import org.ldm4j.training.data.ShapesConfig;
import org.ldm4j.unet.UNetConfig;

/**
 * Writes ldm4j's config records as a tree in the reference's layout, with the reference's target names; every
 * value is written explicitly, and ldm4j's extension keys only when they differ from their defaults, so that a
 * file without them is also a valid config of the reference.
 */
final class ReferenceWriter {
    private ReferenceWriter() {
    }

    /** The tree of a whole config. */
    static ConfigNode write(LdmConfig config) {
        Entries root = new Entries();
        if (config instanceof LatentDiffusionConfig ldm) {
            root.put("model", new Entries()
                    .put("base_learning_rate", ldm.baseLearningRate())
                    .put("target", Targets.LATENT_DIFFUSION)
                    .put("params", latentDiffusion(ldm)));
        } else {
            AutoencoderTrainingConfig ae = (AutoencoderTrainingConfig) config;
            root.put("model", new Entries()
                    .put("base_learning_rate", ae.baseLearningRate())
                    .put("target", ae.autoencoder().isVq() ? Targets.VQ_MODEL : Targets.AUTOENCODER_KL)
                    .put("params", autoencoderParams(ae.autoencoder(), ae.loss())));
        }
        config.data().ifPresent(d -> root.put("data", data(d)));
        return root.node().withPath("");
    }

    private static Entries latentDiffusion(LatentDiffusionConfig c) {
        DiffusionSettings d = c.diffusion();
        DiffusionLossConfig loss = d.loss();
        Entries p = new Entries()
                .put("linear_start", d.linearStart())
                .put("linear_end", d.linearEnd())
                .put("timesteps", d.timesteps())
                .put("beta_schedule", key(ModelReader.SCHEDULES, d.betaSchedule()));
        if (d.cosineS() != 8e-3) {
            p.put("cosine_s", d.cosineS());
        }
        p.put("parameterization", key(ModelReader.PREDICTIONS, d.prediction()))
                .put("loss_type", key(ModelReader.LOSS_TYPES, loss.lossType()))
                .put("l_simple_weight", loss.lSimpleWeight())
                .put("original_elbo_weight", loss.originalElboWeight())
                .put("learn_logvar", loss.learnLogvar())
                .put("logvar_init", loss.logvarInit());
        if (loss.minSnrGamma() != 0) {
            p.put("min_snr_gamma", loss.minSnrGamma());
        }
        if (loss.offsetNoise() != 0) {
            p.put("offset_noise", loss.offsetNoise());
        }
        p.put("first_stage_key", "image");
        condStageKey(c.condStage()).ifPresent(k -> p.put("cond_stage_key", k));
        p.put("image_size", d.imageSize())
                .put("channels", d.channels())
                .put("cond_stage_trainable", d.condStageTrainable());
        if (d.conditioningKey() != ConditioningKey.NONE) {
            p.put("conditioning_key", d.conditioningKey().referenceName());
        }
        p.put("scale_factor", d.scaleFactor())
                .put("scale_by_std", d.scaleByStd())
                .put("use_ema", d.useEma());
        c.lrSchedule().ifPresent(s -> p.put("scheduler_config", scheduler(s)));
        p.put("unet_config", new Entries().put("target", Targets.UNET).put("params", unet(c.unet())));
        p.put("first_stage_config", new Entries()
                .put("target", c.firstStage().isVq() ? Targets.VQ_MODEL_INTERFACE : Targets.AUTOENCODER_KL)
                .put("params", autoencoderParams(c.firstStage(), new FirstStageLoss.None())));
        p.put("cond_stage_config", condStage(c.condStage()));
        return p;
    }

    private static Optional<String> condStageKey(CondStageConfig c) {
        String key;
        if (c instanceof CondStageConfig.Unconditional) {
            key = null;
        } else if (c instanceof CondStageConfig.ClassLabels) {
            key = "class_label";
        } else if (c instanceof CondStageConfig.Bert b) {
            key = b.useTokenizer() ? "caption" : "coordinates_bbox";
        } else if (c instanceof CondStageConfig.Rescaler) {
            key = "segmentation";
        } else if (c instanceof CondStageConfig.Identity) {
            key = "LR_image";
        } else if (c instanceof CondStageConfig.FirstStage) {
            key = "masked_image";
        } else {
            key = "caption";                                      // Transformer, Clip
        }
        return Optional.ofNullable(key);
    }

    private static Entries unet(UNetConfig u) {
        Entries p = new Entries()
                .put("image_size", u.imageSize())
                .put("in_channels", u.inChannels())
                .put("out_channels", u.outChannels())
                .put("model_channels", u.modelChannels())
                .put("attention_resolutions", u.attentionResolutions())
                .put("num_res_blocks", u.numResBlocks())
                .put("channel_mult", u.channelMult())
                .put("dropout", u.dropout())
                .put("conv_resample", u.convResample());
        if (u.numClasses() > 0) {
            p.put("num_classes", u.numClasses());
        }
        p.put("use_checkpoint", u.useCheckpoint())
                .put("num_heads", u.numHeads())
                .put("num_head_channels", u.numHeadChannels())
                .put("num_heads_upsample", u.numHeadsUpsample())
                .put("use_scale_shift_norm", u.useScaleShiftNorm())
                .put("resblock_updown", u.resblockUpdown())
                .put("use_spatial_transformer", u.useSpatialTransformer())
                .put("transformer_depth", u.transformerDepth());
        if (u.contextDim() > 0) {
            p.put("context_dim", u.contextDim());
        }
        return p.put("legacy", u.legacy());
    }

    private static Entries autoencoderParams(AutoencoderConfig a, FirstStageLoss loss) {
        Entries p = new Entries().put("embed_dim", a.embedDim());
        if (a.isVq()) {
            p.put("n_embed", a.nEmbed());
        }
        p.put("ddconfig", new Entries()
                .put("double_z", a.doubleZ())
                .put("z_channels", a.zChannels())
                .put("resolution", a.resolution())
                .put("in_channels", a.inChannels())
                .put("out_ch", a.outCh())
                .put("ch", a.ch())
                .put("ch_mult", a.chMult())
                .put("num_res_blocks", a.numResBlocks())
                .put("attn_resolutions", a.attnResolutions())
                .put("dropout", a.dropout()));
        return p.put("lossconfig", loss(loss));
    }

    private static Entries loss(FirstStageLoss loss) {
        if (loss instanceof FirstStageLoss.Kl kl) {
            AutoencoderLossConfig c = kl.config();
            Entries p = new Entries()
                    .put("disc_start", c.discStart())
                    .put("logvar_init", c.logvarInit())
                    .put("kl_weight", c.klWeight())
                    .put("pixelloss_weight", c.pixelLossWeight());
            discriminator(p, c.discNumLayers(), c.discInChannels(), c.discFactor(), c.discWeight(),
                    c.perceptualWeight(), c.discNorm(), c.discConditional(), c.discLoss());
            if (c.discNdf() != 64) {
                p.put("disc_ndf", c.discNdf());                   // an ldm4j extension for the KL loss
            }
            return new Entries().put("target", Targets.KL_LOSS).put("params", p);
        }
        if (loss instanceof FirstStageLoss.Vq vq) {
            VqLossConfig c = vq.config();
            Entries p = new Entries()
                    .put("disc_start", c.discStart())
                    .put("codebook_weight", c.codebookWeight())
                    .put("pixelloss_weight", c.pixelLossWeight());
            discriminator(p, c.discNumLayers(), c.discInChannels(), c.discFactor(), c.discWeight(),
                    c.perceptualWeight(), c.discNorm(), c.discConditional(), c.discLoss());
            p.put("disc_ndf", c.discNdf());
            return new Entries().put("target", Targets.VQ_LOSS).put("params", p);
        }
        return new Entries().put("target", Targets.IDENTITY);
    }

    private static void discriminator(Entries p, int layers, int in, double factor, double weight, double perceptual,
                                      PatchGanDiscriminator.Norm norm, boolean conditional, GanLoss ganLoss) {
        p.put("disc_num_layers", layers)
                .put("disc_in_channels", in)
                .put("disc_factor", factor)
                .put("disc_weight", weight)
                .put("perceptual_weight", perceptual)
                .put("use_actnorm", norm == PatchGanDiscriminator.Norm.ACT_NORM)
                .put("disc_conditional", conditional)
                .put("disc_loss", key(ComponentReader.GAN_LOSSES, ganLoss));
    }

    private static Object condStage(CondStageConfig c) {
        if (c instanceof CondStageConfig.Unconditional) {
            return Targets.UNCONDITIONAL;
        }
        if (c instanceof CondStageConfig.FirstStage) {
            return Targets.FIRST_STAGE;
        }
        if (c instanceof CondStageConfig.Identity) {
            return new Entries().put("target", Targets.IDENTITY);
        }
        if (c instanceof CondStageConfig.ClassLabels l) {
            return new Entries().put("target", Targets.CLASS_EMBEDDER).put("params", new Entries()
                    .put("embed_dim", l.embedDim()).put("n_classes", l.nClasses()).put("key", "class_label"));
        }
        if (c instanceof CondStageConfig.Transformer t) {
            return new Entries().put("target", Targets.TRANSFORMER_EMBEDDER)
                    .put("params", transformer(t.config(), true, null));
        }
        if (c instanceof CondStageConfig.Bert b) {
            return new Entries().put("target", Targets.BERT_EMBEDDER)
                    .put("params", transformer(b.config(), false, b.useTokenizer()));
        }
        if (c instanceof CondStageConfig.Clip clip) {
            return new Entries().put("target", Targets.CLIP_EMBEDDER).put("params", clip(clip.config()));
        }
        CondStageConfig.Rescaler r = (CondStageConfig.Rescaler) c;
        Entries p = new Entries().put("n_stages", r.nStages())
                .put("method", key(ComponentReader.INTERPOLATIONS, r.method()))
                .put("multiplier", r.multiplier())
                .put("in_channels", r.inChannels());
        if (r.outChannels() > 0) {
            p.put("out_channels", r.outChannels());
        }
        return new Entries().put("target", Targets.SPATIAL_RESCALER).put("params", p.put("bias", r.bias()));
    }

    private static Entries transformer(TransformerEmbedderConfig c, boolean plain, Boolean useTokenizer) {
        Entries p = new Entries().put("n_embed", c.nEmbed()).put("n_layer", c.nLayer())
                .put("vocab_size", c.vocabSize()).put("max_seq_len", c.maxSeqLen());
        if (useTokenizer != null) {
            p.put("use_tokenizer", useTokenizer);
        }
        if (!plain || c.embeddingDropout() != 0) {
            p.put("embedding_dropout", c.embeddingDropout());     // TransformerEmbedder: an ldm4j extension
        }
        if (c.heads() != 8 || c.dimHead() != 64 || c.ffMult() != 4) {   // ldm4j extensions
            p.put("heads", c.heads()).put("dim_head", c.dimHead()).put("ff_mult", c.ffMult());
        }
        return p;
    }

    private static Entries clip(ClipTextConfig c) {
        Entries p = new Entries().put("version", Targets.CLIP_L14).put("max_length", c.maxPositions());
        if (!c.equals(ClipTextConfig.vitL14())) {                      // ldm4j extensions: another shape
            p.put("vocab_size", c.vocabSize()).put("width", c.width()).put("layers", c.layers())
                    .put("heads", c.heads()).put("intermediate", c.intermediate())
                    .put("activation", key(ComponentReader.ACTIVATIONS, c.activation()))
                    .put("layer_norm_eps", c.layerNormEps());
        }
        return p;
    }

    private static Entries scheduler(LrScheduleConfig s) {
        if (s instanceof LrScheduleConfig.LambdaLinear l) {
            return new Entries().put("target", Targets.LAMBDA_LINEAR).put("params", new Entries()
                    .put("warm_up_steps", List.of(l.warmUpSteps()))
                    .put("cycle_lengths", List.of(l.cycleLength()))
                    .put("f_start", List.of(l.fStart()))
                    .put("f_max", List.of(l.fMax()))
                    .put("f_min", List.of(l.fMin())));
        }
        LrScheduleConfig.WarmUpCosine w = (LrScheduleConfig.WarmUpCosine) s;
        return new Entries().put("target", Targets.WARM_UP_COSINE).put("params", new Entries()
                .put("warm_up_steps", w.warmUpSteps())
                .put("max_decay_steps", w.maxDecaySteps())
                .put("lr_start", w.lrStart())
                .put("lr_max", w.lrMax())
                .put("lr_min", w.lrMin()));
    }

    // ---------------------------------------------------------------- data

    private static Entries data(DataConfig d) {
        Entries p = new Entries().put("batch_size", d.batchSize());
        d.train().ifPresent(t -> p.put("train", dataset(t)));
        d.validation().ifPresent(v -> p.put("validation", dataset(v)));
        return new Entries().put("target", Targets.DATA_MODULE).put("params", p);
    }

    private static Entries dataset(DatasetConfig d) {
        if (d instanceof DatasetConfig.Shapes s) {
            ShapesConfig c = s.config();
            List<String> kinds = new ArrayList<>();
            for (ShapeKind k : c.kinds()) {
                kinds.add(k.word());
            }
            List<String> colours = new ArrayList<>();
            for (ShapeColour k : c.colours()) {
                colours.add(k.word());
            }
            return new Entries().put("target", DatasetConfig.SHAPES_TARGET).put("params", new Entries()
                    .put("size", c.size())
                    .put("min_shapes", c.minShapes())
                    .put("max_shapes", c.maxShapes())
                    .put("kinds", kinds)
                    .put("colours", colours)
                    .put("labels", key(ModelReader.SHAPE_LABELS, c.labels()))
                    .put("background", key(ModelReader.BACKGROUNDS, c.background()))
                    .put("supersample", c.supersample())
                    .put("seed", s.seed()));
        }
        DatasetConfig.Reference r = (DatasetConfig.Reference) d;
        Entries size = new Entries().put("size", r.imageSize());
        // the reference's ImageNetTrain/ImageNetValidation take their size inside "config"
        boolean nested = r.target().endsWith("imagenet.ImageNetTrain") || r.target().endsWith(
                "imagenet.ImageNetValidation");
        return new Entries().put("target", r.target()).put("params", nested ? new Entries().put("config", size)
                : size);
    }

    // ---------------------------------------------------------------- tree building

    private static <T> String key(Map<String, T> options, T value) {
        for (Map.Entry<String, T> e : options.entrySet()) {
            if (e.getValue().equals(value)) {
                return e.getKey();
            }
        }
        throw new IllegalArgumentException("value: expected one of " + options.values() + ", got " + value);
    }

    /** An ordered map under construction; values are converted to nodes as they are put. */
    private static final class Entries {
        private final Map<String, ConfigNode> entries = new LinkedHashMap<>();

        Entries put(String key, Object value) {
            entries.put(key, ReferenceWriter.node(value));
            return this;
        }

        MapNode node() {
            return new MapNode("", Origin.GENERATED, entries);
        }
    }

    private static ConfigNode node(Object v) {
        Origin g = Origin.GENERATED;
        if (v instanceof Entries e) {
            return e.node();
        }
        if (v instanceof String s) {
            return new ScalarNode("", g, s, ScalarType.STRING);
        }
        if (v instanceof Integer || v instanceof Long) {
            return new ScalarNode("", g, v.toString(), ScalarType.INT);
        }
        if (v instanceof Double d) {
            return new ScalarNode("", g, YamlTrees.number(d), ScalarType.FLOAT);
        }
        if (v instanceof Boolean b) {
            return new ScalarNode("", g, b.toString(), ScalarType.BOOL);
        }
        if (v instanceof List<?> l) {
            List<ConfigNode> items = new ArrayList<>();
            for (Object o : l) {
                items.add(node(o));
            }
            return new ListNode("", g, items);
        }
        throw new IllegalArgumentException("value: expected a string, number, boolean, list or map, got " + v);
    }
}
