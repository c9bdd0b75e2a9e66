package org.ldm4j.training.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reference's config keys that ldm4j accepts and deliberately does not use, each with the reason; every other
 * key it does not read is an error. Keys that change what is computed are never here: those ldm4j cannot honour
 * are accepted only at their default value (for example {@code v_posterior: 0.0}, {@code dims: 2},
 * {@code attn_type: vanilla}) and rejected otherwise.
 *
 * <pre>{@code
 * IgnoredKeys.LATENT_DIFFUSION.keySet();     // [monitor, log_every_t, ckpt_path, ...]
 * IgnoredKeys.LATENT_DIFFUSION.get("monitor");
 * }</pre>
 */
public final class IgnoredKeys {
    private IgnoredKeys() {
    }

    private static Map<String, String> of(String... keysAndReasons) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndReasons.length; i += 2) {
            m.put(keysAndReasons[i], keysAndReasons[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

    private static final String MONITOR = "the metric the reference's Lightning checkpoint callback watches; ldm4j "
            + "checkpoints by step";
    private static final String CKPT = "weights are loaded by ldm4j's checkpoint options, not from the model config";

    private static final String REFERENCE_DATA = "an option of the reference's dataset class, which ldm4j does not "
            + "port";

    /** The top level. */
    public static final Map<String, String> ROOT = of(
            "lightning", "PyTorch Lightning's trainer, logger and callback settings; ldm4j's trainers take their own "
                    + "options");

    /** {@code model.params} of {@code LatentDiffusion} (and its base {@code DDPM}). */
    public static final Map<String, String> LATENT_DIFFUSION = of(
            "monitor", MONITOR,
            "log_every_t", "how often the reference logs intermediate samples",
            "ckpt_path", CKPT,
            "ignore_keys", CKPT,
            "load_only_unet", CKPT,
            "first_stage_key", "the batch field of the images; ldm4j batches have fixed fields",
            "cond_stage_key", "the batch field of the condition; ldm4j takes it from the conditioning encoder's kind",
            "clip_denoised", "LatentDiffusion always sets it to False; ldm4j's samplers take clipping as an option");

    /** {@code params} of a first-stage model ({@code AutoencoderKL}, {@code VQModel}, {@code VQModelInterface}). */
    public static final Map<String, String> AUTOENCODER = of(
            "monitor", MONITOR,
            "ckpt_path", CKPT,
            "ignore_keys", CKPT,
            "image_key", "the batch field of the images; ldm4j batches have fixed fields");

    /** {@code params} of {@code VQModel} and {@code VQModelInterface}, besides {@link #AUTOENCODER}. */
    public static final Map<String, String> VQ_MODEL = of(
            "sane_index_shape", "only the shape in which VQModel returns codebook indices");

    /** {@code unet_config.params}. */
    public static final Map<String, String> UNET = of(
            "use_fp16", "precision is chosen when the model runs, not in its config");

    /** {@code cond_stage_config.params} of {@code ClassEmbedder}. */
    public static final Map<String, String> CLASS_EMBEDDER = of(
            "key", "the batch field of the labels; ldm4j batches have fixed fields");

    /** {@code cond_stage_config.params} of the text encoders. */
    public static final Map<String, String> TEXT_ENCODER = of(
            "device", "the device is chosen by the ND4J backend");

    /** {@code data.params} of {@code main.DataModuleFromConfig}. */
    public static final Map<String, String> DATA = of(
            "num_workers", "data-loading processes of PyTorch's DataLoader",
            "wrap", "wraps datasets for PyTorch Lightning",
            "use_worker_init_fn", "seeds PyTorch's loader processes",
            "shuffle_test_loader", "ldm4j evaluates with its own commands",
            "shuffle_val_dataloader", "ldm4j evaluates with its own commands",
            "test", "ldm4j evaluates with its own commands",
            "predict", "ldm4j samples with its own commands");

    /**
     * {@code params} (and ImageNet's {@code params.config}) of the reference's dataset classes, which ldm4j does not
     * port: only the image size ({@code crop_size}, {@code size}, {@code config.size}) is read.
     */
    public static final Map<String, String> REFERENCE_DATASET = of(
            "degradation", REFERENCE_DATA,
            "downscale_f", REFERENCE_DATA,
            "min_crop_f", REFERENCE_DATA,
            "max_crop_f", REFERENCE_DATA,
            "random_crop", REFERENCE_DATA,
            "flip_p", REFERENCE_DATA,
            "interpolation", REFERENCE_DATA,
            "txt_file", REFERENCE_DATA,
            "data_root", REFERENCE_DATA,
            "process_images", REFERENCE_DATA,
            "keep_orig_class_label", REFERENCE_DATA,
            "ImageNetTrain", REFERENCE_DATA,
            "ImageNetValidation", REFERENCE_DATA);

    /** {@code scheduler_config.params}. */
    public static final Map<String, String> SCHEDULER = of(
            "verbosity_interval", "how often the reference prints the learning rate");
}
