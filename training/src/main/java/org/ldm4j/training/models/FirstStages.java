package org.ldm4j.training.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.AutoencoderKL;
import org.ldm4j.autoencoder.VQModel;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.RecordJson;
import org.ldm4j.training.checkpoint.Checkpoint;
import org.ldm4j.training.checkpoint.CheckpointStore;

/**
 * Trained first stages from {@code ldm4j train-autoencoder} checkpoints: the config stored in the checkpoint
 * rebuilds the model, the weights (without the loss's {@code loss.*}) load strictly.
 *
 * <pre>{@code
 * FirstStages.Loaded ae = FirstStages.load(Path.of("runs/ae"));        // a run directory or a checkpoint file
 * LatentDiffusion ldm = spec.build(rng);
 * ldm.firstStageModule().load(ae.weights(), true);
 * }</pre>
 */
public final class FirstStages {
    /** The config key of the autoencoder's configuration. */
    public static final String CONFIG_KEY = "autoencoder";
    /** The config key of the first stage's kind (KL or VQ). */
    public static final String KIND_KEY = "first_stage";

    /**
     * A trained first stage.
     *
     * @param kind    KL or VQ
     * @param config  its configuration
     * @param weights its state dict (no {@code loss.*})
     * @param file    the checkpoint it came from
     * @param step    the checkpoint's step
     */
    public record Loaded(LdmSpec.FirstStageKind kind, AutoencoderConfig config, Map<String, Tensor> weights, Path file,
            long step) {
        /** The model with its weights, frozen and in evaluation mode. */
        public Module build() {
            Module m = kind == LdmSpec.FirstStageKind.KL ? new AutoencoderKL(config, new Rng(0))
                    : new VQModel(config, new Rng(0));
            m.load(weights, true);
            m.freeze();
            m.eval();
            return m;
        }
    }

    private FirstStages() {
    }

    /** The checkpoint file itself, or a run directory's latest checkpoint. */
    public static Path resolve(Path fileOrRunDir) throws IOException {
        if (fileOrRunDir == null) {
            throw new IllegalArgumentException("checkpoint: expected a checkpoint file or a run directory, got null");
        }
        if (!Files.isDirectory(fileOrRunDir)) {
            if (!Files.exists(fileOrRunDir)) {
                throw new java.nio.file.NoSuchFileException(fileOrRunDir.toString(), null,
                        "no such checkpoint file or run directory");
            }
            return fileOrRunDir;
        }
        Path dir = Files.isDirectory(fileOrRunDir.resolve("checkpoints")) ? fileOrRunDir.resolve("checkpoints")
                : fileOrRunDir;
        var latest = CheckpointStore.open(dir, CheckpointStore.KEEP_ALL).latest(s -> { }, Checkpoint.MODEL);
        return latest.orElseThrow(() -> new IOException("checkpoint: " + fileOrRunDir + " holds no readable "
                + "checkpoint")).file();
    }

    /** The first stage of an autoencoder checkpoint (file or run directory). */
    @SuppressWarnings("unchecked")
    public static Loaded load(Path fileOrRunDir) throws IOException {
        Path file = resolve(fileOrRunDir);
        Checkpoint c = Checkpoint.read(file, Checkpoint.MODEL);
        String text = c.config().orElseThrow(() -> new IOException("checkpoint " + file
                + ": expected an ldm4j autoencoder checkpoint with a config, found no config"));
        Map<String, Object> cfg;
        try {
            Object parsed = Json.parse(text);
            if (!(parsed instanceof Map<?, ?> m) || !(m.get(CONFIG_KEY) instanceof Map)) {
                throw new IOException("checkpoint " + file + ": expected an autoencoder checkpoint (config with \""
                        + CONFIG_KEY + "\"), found another kind (" + c.metadata().getOrDefault("ldm4j.kind", "?")
                        + ")");
            }
            cfg = (Map<String, Object>) m;
        } catch (Json.ParseException e) {
            throw new IOException("checkpoint " + file + ": its config is not JSON: " + e.getMessage(), e);
        }
        AutoencoderConfig config = RecordJson.fromMap(AutoencoderConfig.class, (Map<?, ?>) cfg.get(CONFIG_KEY),
                CONFIG_KEY);
        LdmSpec.FirstStageKind kind = "VQ".equalsIgnoreCase(String.valueOf(cfg.get(KIND_KEY)))
                ? LdmSpec.FirstStageKind.VQ : LdmSpec.FirstStageKind.KL;
        Map<String, Tensor> weights = new LinkedHashMap<>();
        c.group(Checkpoint.MODEL).forEach((k, v) -> {
            if (!k.startsWith("loss.")) {
                weights.put(k, v);
            }
        });
        return new Loaded(kind, config, weights, file, c.step());
    }
}
