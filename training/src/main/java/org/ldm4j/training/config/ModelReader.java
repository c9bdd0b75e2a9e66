package org.ldm4j.training.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.diffusion.DiffusionLossConfig;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.training.config.Targets.Kind;
import org.ldm4j.training.data.ShapeColour;
import org.ldm4j.training.data.ShapeKind;
import org.ldm4j.training.data.ShapesConfig;
import org.ldm4j.unet.UNetConfig;

/**
 * Maps a whole tree to an {@link LdmConfig}: the top level, {@code model} ({@code LatentDiffusion} with its
 * diffusion settings and learning-rate schedule, or an autoencoder) and {@code data}.
 */
final class ModelReader {
    private ModelReader() {
    }

    static final Map<String, NoiseSchedule.Kind> SCHEDULES = ordered("linear", NoiseSchedule.Kind.LINEAR,
            "cosine", NoiseSchedule.Kind.COSINE, "sqrt_linear", NoiseSchedule.Kind.SQRT_LINEAR,
            "sqrt", NoiseSchedule.Kind.SQRT);
    static final Map<String, Prediction> PREDICTIONS = ordered("eps", Prediction.EPSILON, "x0", Prediction.SAMPLE,
            "v", Prediction.V);
    static final Map<String, DiffusionLossConfig.LossType> LOSS_TYPES = ordered("l1", DiffusionLossConfig.LossType.L1,
            "l2", DiffusionLossConfig.LossType.L2);
    static final Map<String, ShapesConfig.Labels> SHAPE_LABELS = ordered("shape", ShapesConfig.Labels.SHAPE,
            "colour", ShapesConfig.Labels.COLOUR, "shape_and_colour", ShapesConfig.Labels.SHAPE_AND_COLOUR);
    static final Map<String, ShapesConfig.Background> BACKGROUNDS = ordered("plain", ShapesConfig.Background.PLAIN,
            "textured", ShapesConfig.Background.TEXTURED);

    @SuppressWarnings("unchecked")
    static <T> Map<String, T> ordered(Object... kv) {
        Map<String, T> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (T) kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The whole file. */
    static LdmConfig read(ConfigNode root) {
        MapReader r = MapReader.of(root);
        MapReader model = r.map("model");
        Optional<DataConfig> data = r.optionalMap("data").map(ModelReader::data);
        r.ignore(IgnoredKeys.ROOT.keySet());
        r.finish();
        Kind kind = Targets.of(model, Targets.MODEL);
        double lr = model.requiredDouble("base_learning_rate");
        if (kind == Kind.LATENT_DIFFUSION) {
            MapReader p = Targets.params(model);
            model.finish();
            return latentDiffusion(p, lr, data);
        }
        ComponentReader.FirstStage ae = ComponentReader.firstStage(model, kind);
        return ComponentReader.build(model.node(), () -> new AutoencoderTrainingConfig(lr, ae.config(), ae.loss(),
                data));
    }

    /** {@code model.params} of {@code LatentDiffusion}. */
    private static LatentDiffusionConfig latentDiffusion(MapReader p, double lr, Optional<DataConfig> data) {
        int timesteps = p.intOr("timesteps", 1000);
        NoiseSchedule.Kind schedule = p.choiceOr("beta_schedule", SCHEDULES, NoiseSchedule.Kind.LINEAR);
        double linearStart = p.doubleOr("linear_start", 1e-4);
        double linearEnd = p.doubleOr("linear_end", 2e-2);
        double cosineS = p.doubleOr("cosine_s", 8e-3);
        Prediction prediction = p.choiceOr("parameterization", PREDICTIONS, Prediction.EPSILON);
        DiffusionLossConfig loss = ComponentReader.build(p.node(), () -> new DiffusionLossConfig(
                p.choiceOr("loss_type", LOSS_TYPES, DiffusionLossConfig.LossType.L2),
                p.doubleOr("l_simple_weight", 1.0), p.doubleOr("original_elbo_weight", 0.0),
                p.boolOr("learn_logvar", false), p.doubleOr("logvar_init", 0.0),
                p.doubleOr("min_snr_gamma", 0.0), p.doubleOr("offset_noise", 0.0)));
        boolean useEma = p.boolOr("use_ema", true);
        int imageSize = p.intOr("image_size", 256);
        int channels = p.intOr("channels", 3);
        boolean trainable = p.boolOr("cond_stage_trainable", false);
        boolean concatMode = p.boolOr("concat_mode", true);
        ConditioningKey key = p.choiceOr("conditioning_key", ConditioningKey.options(),
                concatMode ? ConditioningKey.CONCAT : ConditioningKey.CROSSATTN);
        double scaleFactor = p.doubleOr("scale_factor", 1.0);
        boolean scaleByStd = p.boolOr("scale_by_std", false);
        p.onlyInt("num_timesteps_cond", 1);
        p.onlyNull("given_betas");
        p.onlyDouble("v_posterior", 0.0);
        p.onlyBool("use_positional_encodings", false);
        p.onlyNull("cond_stage_forward");
        Optional<LrScheduleConfig> lrSchedule = p.optionalMap("scheduler_config").map(ModelReader::scheduler);
        UNetConfig unet = ComponentReader.unet(p.map("unet_config"));
        MapReader first = p.map("first_stage_config");
        Kind firstKind = Targets.of(first, Targets.FIRST_STAGE_MODEL);
        AutoencoderConfig firstStage = ComponentReader.firstStage(first, firstKind).config();
        CondStageConfig cond = ComponentReader.condStage(p.require("cond_stage_config", "a map with target, "
                + Targets.UNCONDITIONAL + " or " + Targets.FIRST_STAGE));
        if (cond instanceof CondStageConfig.Unconditional) {
            key = ConditioningKey.NONE;                       // as the reference does
        }
        p.ignore(IgnoredKeys.LATENT_DIFFUSION.keySet());
        p.finish();
        ConditioningKey k = key;
        DiffusionSettings diffusion = ComponentReader.build(p.node(), () -> new DiffusionSettings(timesteps, schedule,
                linearStart, linearEnd, cosineS, prediction, loss, k, trainable, scaleFactor, scaleByStd, useEma,
                imageSize, channels));
        return ComponentReader.build(p.node(), () -> new LatentDiffusionConfig(lr, diffusion, unet, firstStage, cond,
                lrSchedule, data));
    }

    /** {@code scheduler_config}. */
    private static LrScheduleConfig scheduler(MapReader section) {
        Kind kind = Targets.of(section, Targets.SCHEDULER);
        MapReader p = Targets.params(section);
        section.finish();
        p.ignore(IgnoredKeys.SCHEDULER.keySet());
        LrScheduleConfig s;
        if (kind == Kind.LAMBDA_LINEAR) {
            long warm = MapReader.toLong(single(p, "warm_up_steps"));
            long cycle = MapReader.toLong(single(p, "cycle_lengths"));
            double fStart = MapReader.toDouble(single(p, "f_start"));
            double fMax = MapReader.toDouble(single(p, "f_max"));
            double fMin = MapReader.toDouble(single(p, "f_min"));
            s = ComponentReader.build(p.node(), () -> new LrScheduleConfig.LambdaLinear(warm, cycle, fStart, fMax,
                    fMin));
        } else {
            long warm = p.requiredLong("warm_up_steps");
            long decay = p.requiredLong("max_decay_steps");
            double start = p.requiredDouble("lr_start");
            double max = p.requiredDouble("lr_max");
            double min = p.requiredDouble("lr_min");
            s = ComponentReader.build(p.node(), () -> new LrScheduleConfig.WarmUpCosine(warm, decay, start, max, min));
        }
        p.finish();
        return s;
    }

    /** The one entry of a per-cycle list. */
    private static ConfigNode single(MapReader p, String key) {
        ConfigNode n = p.require(key, "a list with one entry per cycle");
        if (!(n instanceof ConfigNode.ListNode l) || l.items().size() != 1) {
            throw ConfigException.expected(n, "a list of one entry (ldm4j supports one cycle)");
        }
        return l.items().get(0);
    }

    // ---------------------------------------------------------------- data

    /** {@code data}: {@code main.DataModuleFromConfig}. */
    static DataConfig data(MapReader section) {
        Targets.of(section, Targets.DATA);
        MapReader p = Targets.params(section);
        section.finish();
        int batchSize = p.requiredInt("batch_size");
        Optional<DatasetConfig> train = p.optionalMap("train").map(ModelReader::dataset);
        Optional<DatasetConfig> validation = p.optionalMap("validation").map(ModelReader::dataset);
        p.ignore(IgnoredKeys.DATA.keySet());
        p.finish();
        return ComponentReader.build(p.node(), () -> new DataConfig(batchSize, train, validation));
    }

    private static DatasetConfig dataset(MapReader section) {
        String target = section.requiredString("target");
        MapReader p = Targets.params(section);
        section.finish();
        if (target.equals(DatasetConfig.SHAPES_TARGET)) {
            return shapes(p);
        }
        // a reference dataset: only the image size is read
        int crop = p.intOr("crop_size", 0);
        int side = p.intOr("size", 0);
        int size = crop > 0 ? crop : side;
        Optional<MapReader> config = p.optionalMap("config");
        if (config.isPresent()) {
            MapReader c = config.get();
            if (size == 0) {
                size = c.intOr("size", 0);
            }
            c.ignore(IgnoredKeys.REFERENCE_DATASET.keySet());
            c.finish();
        }
        p.ignore(IgnoredKeys.REFERENCE_DATASET.keySet());
        p.finish();
        if (size == 0) {
            throw new ConfigException(ConfigNode.child(p.path(), "size"), "missing required key (expected the image "
                    + "size as size, crop_size or config.size)", p.node().origin());
        }
        int s = size;
        return ComponentReader.build(p.node(), () -> new DatasetConfig.Reference(target, s));
    }

    /** ldm4j's shapes dataset. */
    private static DatasetConfig shapes(MapReader p) {
        Map<String, ShapeKind> kindNames = new LinkedHashMap<>();
        for (ShapeKind k : ShapeKind.values()) {
            kindNames.put(k.word(), k);
        }
        Map<String, ShapeColour> colourNames = new LinkedHashMap<>();
        for (ShapeColour c : ShapeColour.values()) {
            colourNames.put(c.word(), c);
        }
        int size = p.requiredInt("size");
        int minShapes = p.intOr("min_shapes", 1);
        int maxShapes = p.intOr("max_shapes", 1);
        List<ShapeKind> kinds = names(p, "kinds", kindNames);
        List<ShapeColour> colours = names(p, "colours", colourNames);
        ShapesConfig.Labels labels = p.choiceOr("labels", SHAPE_LABELS, ShapesConfig.Labels.SHAPE);
        ShapesConfig.Background background = p.choiceOr("background", BACKGROUNDS, ShapesConfig.Background.TEXTURED);
        int supersample = p.intOr("supersample", 4);
        long seed = p.longOr("seed", 0);
        p.finish();
        return ComponentReader.build(p.node(), () -> new DatasetConfig.Shapes(new ShapesConfig(size, minShapes,
                maxShapes, kinds, colours, labels, background, supersample), seed));
    }

    private static <T> List<T> names(MapReader p, String key, Map<String, T> options) {
        ConfigNode n = p.get(key);
        if (n == null || n instanceof ConfigNode.ScalarNode s && s.isNull()) {
            return List.copyOf(options.values());
        }
        if (!(n instanceof ConfigNode.ListNode l)) {
            throw ConfigException.expected(n, "a list of " + options.keySet());
        }
        List<T> out = new ArrayList<>();
        for (ConfigNode item : l.items()) {
            out.add(MapReader.choice(item, options));
        }
        return out;
    }
}
