package org.ldm4j.training.models;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.AutoencoderKL;
import org.ldm4j.autoencoder.VQModel;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.random.Rng;
import org.ldm4j.diffusion.DiffusionProcess;
import org.ldm4j.diffusion.NoiseSchedule;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.training.RecordJson;
import org.ldm4j.training.checkpoint.Checkpoint;
import org.ldm4j.unet.UNetConfig;
import org.ldm4j.unet.UNetModel;

/**
 * Everything that rebuilds a {@link LatentDiffusion} except its weights: the U-Net, the first stage (KL or VQ),
 * the conditioning stage, the noise schedule and prediction, and the image size. Checkpoints store it as JSON
 * ({@code "model"} of their config), so {@link #load} rebuilds a trained model from its checkpoint alone.
 *
 * <pre>{@code
 * LdmSpec spec = new LdmSpec(unetConfig, FirstStageKind.KL, aeConfig, CondStage.Spec.classes(4, 64),
 *         ScheduleSpec.ldm(), Prediction.EPSILON, 32, 32);
 * LatentDiffusion ldm = spec.build(new Rng(0));
 * LatentDiffusion trained = LdmSpec.load(Path.of("runs/ldm/checkpoints/step-000002000.safetensors"), true);
 * }</pre>
 *
 * @param unet        the U-Net
 * @param firstStage  KL or VQ
 * @param autoencoder the first stage's configuration
 * @param cond        the conditioning stage
 * @param schedule    the noise schedule
 * @param prediction  what the U-Net predicts
 * @param height      image height in pixels
 * @param width       image width in pixels
 */
public record LdmSpec(UNetConfig unet, FirstStageKind firstStage, AutoencoderConfig autoencoder, CondStage.Spec cond,
        ScheduleSpec schedule, Prediction prediction, int height, int width) {

    /** The two kinds of first stage. */
    public enum FirstStageKind {
        /** {@link AutoencoderKL}. */
        KL,
        /** {@link VQModel}. */
        VQ
    }

    /**
     * A noise schedule's parameters (the reference's {@code beta_schedule}, {@code timesteps},
     * {@code linear_start}, {@code linear_end}, {@code cosine_s}).
     */
    public record ScheduleSpec(NoiseSchedule.Kind kind, int timesteps, double linearStart, double linearEnd,
            double cosineS) {
        /** LDM's default: "linear", 1000 steps, 0.0015 to 0.0195. */
        public static ScheduleSpec ldm() {
            return new ScheduleSpec(NoiseSchedule.Kind.LINEAR, 1000, 0.0015, 0.0195, 8e-3);
        }

        /** Stable Diffusion 1.x: "linear", 1000 steps, 0.00085 to 0.012. */
        public static ScheduleSpec sd() {
            return new ScheduleSpec(NoiseSchedule.Kind.LINEAR, 1000, 0.00085, 0.012, 8e-3);
        }

        public NoiseSchedule build() {
            return NoiseSchedule.of(kind, timesteps, linearStart, linearEnd, cosineS);
        }
    }

    public LdmSpec {
        if (unet == null || firstStage == null || autoencoder == null || cond == null || schedule == null
                || prediction == null) {
            throw new IllegalArgumentException("spec: expected every part (unet, firstStage, autoencoder, cond, "
                    + "schedule, prediction), got a null");
        }
        int f = autoencoder.downsamplingFactor();
        if (height < 1 || width < 1 || height % f != 0 || width % f != 0) {
            throw new IllegalArgumentException("height, width: expected positive multiples of the first stage's "
                    + "factor " + f + ", got " + height + "x" + width);
        }
        if (unet.inChannels() != autoencoder.embedDim() || unet.outChannels() != autoencoder.embedDim()) {
            throw new IllegalArgumentException("unet: expected in and out channels " + autoencoder.embedDim()
                    + " (the latent's), got " + unet.inChannels() + " and " + unet.outChannels());
        }
    }

    /** A new model with weights drawn from {@code rng} (the first stage too: load trained weights into it). */
    public LatentDiffusion build(Rng rng) {
        UNetModel u = new UNetModel(unet, rng.fork(0));
        CondStage c = CondStage.create(cond, rng.fork(1));
        DiffusionProcess p = new DiffusionProcess(schedule.build(), prediction);
        if (firstStage == FirstStageKind.KL) {
            return new LatentDiffusion(u, new AutoencoderKL(autoencoder, rng.fork(2)), c, p, 1.0);
        }
        return new LatentDiffusion(u, new VQModel(autoencoder, rng.fork(2)), c, p, 1.0);
    }

    /** As JSON-ready maps (every component by name, through {@link RecordJson}). */
    public Map<String, Object> toJson() {
        return RecordJson.toMap(this);
    }

    /** The spec {@link #toJson()} described; a missing or mistyped field is an error naming it. */
    public static LdmSpec fromJson(Map<String, Object> m) {
        return RecordJson.fromMap(LdmSpec.class, m, "model");
    }

    /** The spec stored in a checkpoint's config. */
    @SuppressWarnings("unchecked")
    public static LdmSpec of(Checkpoint c, Path file) {
        String text = c.config().orElseThrow(() -> new IllegalArgumentException("checkpoint " + file
                + ": expected a config (an ldm4j latent diffusion checkpoint), found none"));
        try {
            Object parsed = Json.parse(text);
            if (!(parsed instanceof Map<?, ?> cfg) || !(cfg.get("model") instanceof Map<?, ?> model)) {
                throw new IllegalArgumentException("checkpoint " + file + ": expected a config with a \"model\" "
                        + "object, found " + (text.length() > 80 ? text.substring(0, 80) + "..." : text));
            }
            return fromJson((Map<String, Object>) model);
        } catch (Json.ParseException e) {
            throw new IllegalArgumentException("checkpoint " + file + ": its config is not JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The model of an ldm4j latent diffusion checkpoint (a checkpoint file, or a run directory's latest), with its
     * weights; with {@code useEma} the U-Net gets the EMA weights where the checkpoint has them.
     */
    public static LatentDiffusion load(Path fileOrRunDir, boolean useEma) throws IOException {
        Path file = FirstStages.resolve(fileOrRunDir);
        Checkpoint c = Checkpoint.read(file, Checkpoint.MODEL);
        return of(c, file).load(c, useEma);
    }

    /** This spec's model with the weights of checkpoint {@code c} (EMA weights for the U-Net with {@code useEma}). */
    public LatentDiffusion load(Checkpoint c, boolean useEma) {
        LatentDiffusion ldm = build(new Rng(0));
        ldm.load(c.group(Checkpoint.MODEL), true);
        if (useEma && c.hasGroup(Checkpoint.EMA)) {
            org.ldm4j.training.Ema ema = new org.ldm4j.training.Ema(ldm.wrapper());
            ema.load(c.group(Checkpoint.EMA), true);
            ema.copyTo(ldm.wrapper());
        }
        ldm.eval();
        return ldm;
    }
}
