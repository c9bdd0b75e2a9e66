package org.ldm4j.training.sd;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.ldm4j.conditioning.text.tokenize.ClipTokenizer;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.SafeTensorsReader;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.sd.WeightPlan.Decision;

/**
 * Loads a Stable Diffusion 1.x checkpoint as it is distributed: one {@code .safetensors} file or one {@code .ckpt}
 * ({@code torch.save}, read by {@code TorchCheckpoint} without executing anything) with the reference's keys
 * ({@code model.diffusion_model.*}, {@code first_stage_model.*}, {@code cond_stage_model.transformer.text_model.*},
 * optionally {@code model_ema.*}), in float32 or float16; or a diffusers folder ({@code unet/}, {@code vae/},
 * {@code text_encoder/}, {@code tokenizer/}). Checkpoints do not hold CLIP's tokenizer: a single file needs a
 * folder with {@code vocab.json} and {@code merges.txt} (a diffusers folder's {@code tokenizer/} will do).
 *
 * <p>Loading is strict: every weight of the model must be in the file with its shape, and every tensor of the file
 * must be a weight or something known to be no weight (listed in {@link Loaded#ignored()}); otherwise nothing is
 * loaded and the error names the keys. The model is built without initialising it ({@code SkipInit}) and each
 * tensor is read (memory-mapped from a safetensors file, or its storage out of a {@code .ckpt}'s zip), converted
 * and freed in turn, so memory holds the model plus one tensor: SD 1.x in float32 loads in about 4.6 GB.
 *
 * <pre>{@code
 * StableDiffusion.Loaded sd = StableDiffusion.load(Path.of("v1-5-pruned-emaonly.safetensors"),
 *         StableDiffusion.Options.defaults().withTokenizer(Path.of("clip-tokenizer")));
 * Tensor images = Sampling.run(sd.model(), 512, 512,
 *         Sampling.Request.of(Conditions.prompts(List.of("a photo of a cat")), Sampling.Name.DDIM, 30, 7.5, 42), null);
 * }</pre>
 */
public final class StableDiffusion {
    /** How the weights are stored. */
    public enum Format {
        /** One {@code .safetensors} file with the reference's keys. */
        SAFETENSORS,
        /** One {@code torch.save} file ({@code .ckpt}) with the reference's keys. */
        CKPT,
        /** A diffusers folder. */
        DIFFUSERS
    }

    /**
     * How to load.
     *
     * @param config    the model's shape, or null: the diffusers folder's configs, else {@link StableDiffusionConfig#v1()}
     * @param tokenizer a folder with CLIP's {@code vocab.json} and {@code merges.txt}, or null for a diffusers
     *                  folder's {@code tokenizer/}
     * @param ema       take the U-Net's EMA weights ({@code model_ema.*}) instead of the raw ones
     * @param dtype     the model's dtype: FLOAT32 (weights stored in float16 are converted), or FLOAT16 to keep half
     *                  precision
     */
    public record Options(StableDiffusionConfig config, Path tokenizer, boolean ema, DType dtype) {
        public Options {
            if (dtype == null || !dtype.isFloating()) {
                throw new IllegalArgumentException("dtype: expected a floating-point type for the weights, got "
                        + dtype);
            }
        }

        /** The folder's or SD 1.x's config, no tokenizer folder, the raw weights, float32. */
        public static Options defaults() {
            return new Options(null, null, false, DType.FLOAT32);
        }

        public Options withConfig(StableDiffusionConfig c) {
            return new Options(c, tokenizer, ema, dtype);
        }

        public Options withTokenizer(Path dir) {
            return new Options(config, dir, ema, dtype);
        }

        public Options withEma(boolean on) {
            return new Options(config, tokenizer, on, dtype);
        }

        public Options withDtype(DType d) {
            return new Options(config, tokenizer, ema, d);
        }
    }

    /**
     * A loaded model.
     *
     * @param model        the model, in evaluation mode
     * @param config       its shape
     * @param format       how its weights were stored
     * @param valuesOnDisk how many values of each dtype the file held
     * @param ignored      how many tensors of the file were not weights of the model, by reason
     * @param ema          whether the U-Net has the EMA weights
     */
    public record Loaded(LatentDiffusion model, StableDiffusionConfig config, Format format,
            Map<DType, Long> valuesOnDisk, Map<String, Integer> ignored, boolean ema) {
        /** A one-line account: "loaded 1,066,235,307 values (F16) from a SAFETENSORS file; ignored: ...". */
        public String describe() {
            long n = valuesOnDisk.values().stream().mapToLong(Long::longValue).sum();
            StringBuilder s = new StringBuilder(String.format("loaded %,d values %s from a %s checkpoint%s", n,
                    valuesOnDisk.keySet(), format, ema ? " (EMA weights)" : ""));
            if (!ignored.isEmpty()) {
                s.append("; ignored: ");
                ignored.forEach((reason, count) -> s.append(count).append(' ').append(reason).append(", "));
                s.setLength(s.length() - 2);
            }
            return s.toString();
        }
    }

    private static final double SCHEDULE_TOLERANCE = 2e-3;

    private StableDiffusion() {
    }

    /**
     * The format of a Stable Diffusion checkpoint at {@code path}, or null when it is none: a diffusers folder, a
     * {@code torch.save} zip, or a safetensors file whose keys are SD's and that is not an ldm4j checkpoint.
     */
    public static Format detect(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return DiffusersFolder.isFolder(path) ? Format.DIFFUSERS : null;
        }
        if (!Files.isRegularFile(path)) {
            return null;
        }
        if (isZip(path)) {
            return Format.CKPT;
        }
        try (SafeTensorsReader r = SafeTensors.open(path)) {
            boolean ldm4j = r.metadata().keySet().stream().anyMatch(k -> k.startsWith("ldm4j."));
            return !ldm4j && SdKeys.looksLikeStableDiffusion(r.names()) ? Format.SAFETENSORS : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Loads the checkpoint at {@code path} (file or diffusers folder). */
    public static Loaded load(Path path, Options options) throws IOException {
        if (path == null || options == null) {
            throw new IllegalArgumentException("path, options: expected both, got " + path + ", " + options);
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such checkpoint file or diffusers folder");
        }
        Format format = detect(path);
        if (format == null) {
            throw new IllegalArgumentException(path + ": expected a Stable Diffusion 1.x checkpoint (a .safetensors "
                    + "or .ckpt file with model.diffusion_model.*, first_stage_model.* and "
                    + "cond_stage_model.transformer.text_model.* keys, or a diffusers folder), found neither");
        }
        if (format == Format.DIFFUSERS && options.ema()) {
            throw new IllegalArgumentException("ema: a diffusers folder holds one set of U-Net weights, not an EMA; "
                    + "load it without --ema");
        }
        StableDiffusionConfig config = options.config() != null ? options.config()
                : format == Format.DIFFUSERS ? DiffusersFolder.config(path) : StableDiffusionConfig.v1();
        ClipTokenizer tokenizer = tokenizer(options.tokenizer() != null ? options.tokenizer()
                : format == Format.DIFFUSERS ? DiffusersFolder.tokenizer(path) : null, path);
        try (WeightSource source = open(path, format)) {
            checkSchedule(source, config);
            if (options.ema() && source.entries().keySet().stream().noneMatch(
                    n -> SdKeys.isEma(n) && !SdKeys.EMA_STATE.contains(n))) {
                throw new IllegalArgumentException("ema: " + path + " has no EMA weights (model_ema.*); load it "
                        + "without --ema (an \"-emaonly\" file's weights are the EMA's already)");
            }
            LatentDiffusion model = config.buildEmpty(tokenizer, options.dtype());
            Function<String, Decision> naming = format == Format.DIFFUSERS ? SdNaming.diffusers(config)
                    : SdNaming.reference(options.ema(), SdNaming.emaTargets(model.unet().stateDict().keySet()));
            WeightPlan plan = WeightPlan.select(source, naming);
            Map<DType, Long> onDisk;
            try {
                onDisk = plan.loadInto(model, Set.of(SdKeys.SCALE_FACTOR), SdNaming::isLinearAsConv);
            } catch (IOException | RuntimeException e) {
                release(model);
                throw e;
            }
            model.eval();
            return new Loaded(model, config, format, Collections.unmodifiableMap(onDisk),
                    Collections.unmodifiableMap(new LinkedHashMap<>(plan.ignored())), options.ema());
        }
    }

    private static ClipTokenizer tokenizer(Path dir, Path checkpoint) throws IOException {
        if (dir == null) {
            throw new IllegalArgumentException("tokenizer: " + checkpoint.getFileName() + " holds no tokenizer; pass "
                    + "a folder with CLIP's vocab.json and merges.txt (--tokenizer DIR; a diffusers folder's "
                    + "tokenizer/ will do)");
        }
        Path vocab = dir.resolve("vocab.json");
        Path merges = dir.resolve("merges.txt");
        if (!Files.isRegularFile(vocab) || !Files.isRegularFile(merges)) {
            throw new NoSuchFileException(dir.toString(), null, "expected CLIP's tokenizer files vocab.json and "
                    + "merges.txt in this folder");
        }
        return ClipTokenizer.load(vocab, merges);
    }

    private static WeightSource open(Path path, Format format) throws IOException {
        if (format != Format.DIFFUSERS) {
            return WeightSource.open(path);
        }
        Map<String, WeightSource> parts = new LinkedHashMap<>();
        try {
            parts.put(SdNaming.UNET_DIR, WeightSource.open(DiffusersFolder.weights(path, "unet")));
            parts.put(SdNaming.VAE_DIR, WeightSource.open(DiffusersFolder.weights(path, "vae")));
            parts.put(SdNaming.TEXT_DIR, WeightSource.open(DiffusersFolder.weights(path, "text_encoder")));
        } catch (IOException | RuntimeException e) {
            for (WeightSource s : parts.values()) {
                s.close();
            }
            throw e;
        }
        return WeightSource.prefixed(parts);
    }

    /** The reference saves its schedule's {@code alphas_cumprod}: it must be the config's. */
    @SuppressWarnings("try")
    private static void checkSchedule(WeightSource source, StableDiffusionConfig config) throws IOException {
        String key = "alphas_cumprod";
        if (!source.entries().containsKey(key)) {
            return;
        }
        double[] ours = config.schedule().build().alphasCumprod();
        try (MemoryScope s = MemoryScope.open()) {
            Tensor t = source.read(key);
            double[] theirs = t.to(DType.FLOAT64).toDoubleArray();
            if (theirs.length != ours.length) {
                throw new IllegalArgumentException(source.describe() + ": alphas_cumprod: expected " + ours.length
                        + " diffusion steps (the config's), got " + theirs.length + "; pass the model's config");
            }
            for (int i = 0; i < ours.length; i++) {
                if (Math.abs(ours[i] - theirs[i]) > SCHEDULE_TOLERANCE) {
                    throw new IllegalArgumentException(source.describe() + ": alphas_cumprod[" + i + "] is "
                            + theirs[i] + ", the config's " + config.schedule() + " gives " + ours[i]
                            + ": the checkpoint was trained with another noise schedule; pass its config");
                }
            }
        } finally {
            source.done(key);
        }
    }

    /** Frees a model that failed to load (its memory is off-heap, which the GC would free late). */
    private static void release(LatentDiffusion model) {
        for (Tensor t : model.stateDict().values()) {
            MemoryScope.release(t.array());
        }
    }

    static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        }
    }
}
