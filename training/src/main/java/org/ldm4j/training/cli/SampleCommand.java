package org.ldm4j.training.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ldm4j.core.backend.Backend;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.Sampling;
import org.ldm4j.training.checkpoint.Checkpoint;
import org.ldm4j.training.config.LdmYaml;
import org.ldm4j.training.data.Box;
import org.ldm4j.training.image.Images;
import org.ldm4j.training.image.Resize;
import org.ldm4j.training.models.CondStage;
import org.ldm4j.training.models.Conditions;
import org.ldm4j.training.models.FirstStages;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.models.LdmSpec;
import org.ldm4j.training.sd.StableDiffusion;
import org.ldm4j.training.sd.StableDiffusionConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j sample}: images from a trained latent diffusion checkpoint (train-ldm's) or a Stable Diffusion 1.x
 * checkpoint (a {@code .safetensors} or {@code .ckpt} file with the reference's keys, or a diffusers folder, told
 * apart by their keys): class-, text- or layout-to-image, img2img and inpainting, any sampler, classifier-free
 * guidance and negative prompts. Every PNG carries the prompt, seed, sampler and checkpoint in text chunks.
 *
 * <pre>{@code
 * $ ./ldm4j sample --checkpoint runs/ldm --class 3 --batch 8 --out samples
 * $ ./ldm4j sample --checkpoint runs/txt --prompt "a small red circle at the top left" --sampler dpmpp-2m --steps 20
 * $ ./ldm4j sample --checkpoint v1-5-pruned-emaonly.safetensors --tokenizer clip-tokenizer \
 *       --prompt "a photo of a cat" --negative-prompt "blurry" --steps 30 --guidance 7.5 --seed 42
 * }</pre>
 */
@Command(name = "sample",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Generates images with a latent diffusion checkpoint: train-ldm's (the EMA weights unless --no-ema) or "
                    + "a Stable Diffusion 1.x .safetensors/.ckpt file or diffusers folder (the raw weights unless "
                    + "--ema; CLIP's tokenizer files from --tokenizer or the folder's tokenizer/). Writes "
                    + "OUT/sample-SEED-I.png (prompt, seed, sampler in PNG text chunks) and OUT/grid.png."},
        footer = {"", "Examples:",
                "  ldm4j sample --checkpoint runs/ldm --class 0 --class 1 --batch 4",
                "  ldm4j sample --checkpoint runs/txt --prompt \"a blue square\" --negative-prompt \"red\"",
                "  ldm4j sample --checkpoint runs/lay --layout \"0:0.1,0.1,0.4,0.4\"",
                "  ldm4j sample --checkpoint runs/ldm --class 2 --init-image in.png --strength 0.6",
                "  ldm4j sample --checkpoint runs/ldm --class 2 --init-image in.png --mask keep.png",
                "  ldm4j sample --checkpoint sd-v1-4.ckpt --tokenizer clip --prompt \"a red fox\" --sampler euler-a",
                "  ldm4j sample --checkpoint stable-diffusion-v1-5 --prompt \"a red fox\" --width 768 --height 512"})
final class SampleCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "CKPT", description = "A train-ldm checkpoint or "
            + "run directory, or a Stable Diffusion 1.x .safetensors/.ckpt file or diffusers folder.")
    private Path checkpoint;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Stable Diffusion: a folder with CLIP's "
            + "vocab.json and merges.txt (default: a diffusers folder's tokenizer/).")
    private Path tokenizer;

    @Option(names = "--config", paramLabel = "YAML", description = "Stable Diffusion: the model's reference config "
            + "(default: v1-inference.yaml's shapes, or a diffusers folder's configs).")
    private Path config;

    @Option(names = "--ema", description = "Stable Diffusion: use the U-Net's EMA weights (model_ema.*) instead of "
            + "the raw ones.")
    private boolean ema;

    @Option(names = "--precision", paramLabel = "P", description = "Stable Diffusion: the weights' and activations' "
            + "precision: fp32, fp16, or auto (default: fp16 on a GPU backend, fp32 on the CPU, where ND4J's "
            + "half-precision kernels are many times slower).")
    private String precision = "auto";

    @Option(names = "--width", paramLabel = "PX", description = "Image width (default: the model's).")
    private Integer width;

    @Option(names = "--height", paramLabel = "PX", description = "Image height (default: the model's).")
    private Integer height;

    @Option(names = "--class", paramLabel = "N", description = "Class label to generate (repeatable).")
    private List<Long> classes = new ArrayList<>();

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Caption to generate (repeatable).")
    private List<String> prompts = new ArrayList<>();

    @Option(names = "--layout", paramLabel = "BOXES", description = "A layout, boxes \"class:x0,y0,x1,y1\" (in "
            + "[0, 1]) separated by ';' (repeatable).")
    private List<String> layouts = new ArrayList<>();

    @Option(names = "--negative-prompt", paramLabel = "TEXT", description = "Guide away from this caption.")
    private String negative;

    @Option(names = "--sampler", paramLabel = "NAME", description = "ddim (default), plms, ddpm, euler, euler-a, "
            + "heun or dpmpp-2m.")
    private String sampler = "ddim";

    @Option(names = "--steps", paramLabel = "N", description = "Sampler steps (default: 50).")
    private int steps = 50;

    @Option(names = "--guidance", paramLabel = "S", description = "Classifier-free guidance scale (default: 7.5 for "
            + "Stable Diffusion, else 3).")
    private Double guidance;

    @Option(names = "--seed", paramLabel = "N", description = "Noise seed (default: 0).")
    private long seed;

    @Option(names = "--batch", paramLabel = "N", description = "Images per condition (default: 1).")
    private int batch = 1;

    @Option(names = "--init-image", paramLabel = "PNG", description = "img2img or inpainting source image.")
    private Path initImage;

    @Option(names = "--strength", paramLabel = "S", description = "img2img strength in (0, 1] (default: 0.75).")
    private double strength = 0.75;

    @Option(names = "--mask", paramLabel = "PNG", description = "Inpainting mask: white = keep, black = generate.")
    private Path mask;

    @Option(names = "--vae-tile", paramLabel = "N", description = "Decode the latents in overlapping tiles of N "
            + "latents a side (8N pixels with SD's VAE) to bound the decoder's memory on large images (default: "
            + "whole).")
    private int vaeTile;

    @Option(names = "--no-ema", description = "train-ldm checkpoints: use the raw weights instead of the EMA ones.")
    private boolean noEma;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Output directory (default: samples).")
    private Path out = Path.of("samples");

    /** The model to sample, its default image size and where it came from. */
    private record Model(LatentDiffusion ldm, int height, int width, Path file, boolean stableDiffusion) {
    }

    @Override
    public Integer call() throws IOException {
        Sampling.Name name = Sampling.Name.parse(sampler);
        if (batch < 1) {
            throw new IllegalArgumentException("--batch: expected at least one image per condition, got " + batch);
        }
        Model model = load();
        LatentDiffusion ldm = model.ldm();
        int h = size("--height", height, model.height(), ldm);
        int w = size("--width", width, model.width(), ldm);
        Conditions c = conditions(ldm.cond().kind()).repeatEach(batch);
        double scale = guidance != null ? guidance : model.stableDiffusion() ? 7.5 : 3.0;
        Sampling.Request r = Sampling.Request.of(c, name, steps, scale, seed).withDecodeTile(vaeTile);
        if (negative != null) {
            if (!ldm.cond().takesCaptions()) {
                throw new IllegalArgumentException("--negative-prompt: the checkpoint is conditioned on "
                        + ldm.cond().kind() + ", not on text");
            }
            r = r.withNegative(Conditions.prompts(Collections.nCopies(c.size(), negative)));
        }
        if (initImage != null) {
            Tensor img = Images.read(initImage, h, w, Resize.AREA);
            Tensor x = img.reshape(1, 3, h, w).expand(c.size(), 3, h, w);
            r = r.withInitImage(x, strength);
            if (mask != null) {
                Tensor m = Images.read(mask, h, w, Resize.AREA).mean(true, 0).reshape(1, 1, h, w).add(1).mul(0.5);
                r = r.withMask(m);
            }
        } else if (mask != null) {
            throw new IllegalArgumentException("--mask: inpainting needs --init-image too");
        }
        Tensor images = Sampling.run(ldm, h, w, r, null).clamp(-1, 1);
        Files.createDirectories(out);
        for (int i = 0; i < c.size(); i++) {
            Map<String, String> text = new LinkedHashMap<>();
            text.put("prompt", describe(c, i, ldm.cond().kind()));
            if (negative != null) {
                text.put("negative prompt", negative);
            }
            text.put("seed", Long.toString(seed));
            text.put("index", Integer.toString(i));
            text.put("sampler", r.describeSampler());
            text.put("checkpoint", model.file().toString());
            Path png = out.resolve(String.format("sample-%d-%03d.png", seed, i));
            Images.write(images.slice(0, i, i + 1).reshape(3, h, w), png, text);
        }
        Images.writeGrid(images, batch, Images.DEFAULT_PADDING, out.resolve("grid.png"));
        spec.commandLine().getOut().printf("wrote %d images to %s (%s)%n", c.size(), out, r.describeSampler());
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }

    /** A Stable Diffusion checkpoint (recognised by its keys or folder) or a train-ldm one. */
    private Model load() throws IOException {
        StableDiffusion.Format format = StableDiffusion.detect(checkpoint);
        if (format == null) {
            if (tokenizer != null || config != null) {
                throw new IllegalArgumentException((tokenizer != null ? "--tokenizer" : "--config") + ": only for "
                        + "Stable Diffusion checkpoints; " + checkpoint + " is not one (a train-ldm checkpoint "
                        + "stores its own)");
            }
            if (ema && noEma) {
                throw new IllegalArgumentException("--ema, --no-ema: expected at most one of them");
            }
            Path file = FirstStages.resolve(checkpoint);
            Checkpoint checkpointFile = Checkpoint.read(file, Checkpoint.MODEL);
            LdmSpec ls = LdmSpec.of(checkpointFile, file);
            return new Model(ls.load(checkpointFile, !noEma), ls.height(), ls.width(), file, false);
        }
        if (noEma) {
            throw new IllegalArgumentException("--no-ema: Stable Diffusion checkpoints use their raw weights unless "
                    + "--ema");
        }
        StableDiffusion.Options o = StableDiffusion.Options.defaults().withTokenizer(tokenizer).withEma(ema)
                .withDtype(precision(precision));
        if (config != null) {
            o = o.withConfig(StableDiffusionConfig.of(LdmYaml.readLatentDiffusion(config, List.of())));
        }
        StableDiffusion.Loaded sd = StableDiffusion.load(checkpoint, o);
        spec.commandLine().getErr().println(checkpoint.getFileName() + ": " + sd.describe());
        spec.commandLine().getErr().flush();
        int side = sd.config().imageSize();
        return new Model(sd.model(), side, side, checkpoint, true);
    }

    /** The dtype of {@code --precision}: auto is float16 on a GPU backend and float32 on the CPU. */
    static DType precision(String p) {
        return switch (p.toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> Backend.isCpu() ? DType.FLOAT32 : DType.FLOAT16;
            case "fp32", "float32" -> DType.FLOAT32;
            case "fp16", "float16", "half" -> DType.FLOAT16;
            // bfloat16 is not offered: on ND4J's CPU backend a tiny model's image moved by up to 0.53 (of 1) against
            // float32, where float16 stayed within 0.2
            default -> throw new IllegalArgumentException("--precision: expected auto, fp32 or fp16, got \"" + p
                    + "\"");
        };
    }

    /** The requested side, or the model's; a multiple of the first stage's and the U-Net's factors. */
    private static int size(String option, Integer requested, int fallback, LatentDiffusion ldm) {
        int v = requested != null ? requested : fallback;
        int ae = ldm.firstStage().downsamplingFactor();
        int unet = ldm.unet().config().downsamplingFactor();
        if (v < ae * unet || v % (ae * unet) != 0) {
            throw new IllegalArgumentException(option + ": expected a positive multiple of " + ae * unet + " (the "
                    + "first stage's downsampling factor " + ae + " times the U-Net's " + unet + "), got " + v);
        }
        return v;
    }

    private Conditions conditions(CondStage.Kind kind) {
        int given = (classes.isEmpty() ? 0 : 1) + (prompts.isEmpty() ? 0 : 1) + (layouts.isEmpty() ? 0 : 1);
        if (given > 1) {
            throw new IllegalArgumentException("--class, --prompt, --layout: expected one kind of condition, got "
                    + given);
        }
        switch (kind) {
            case NONE:
                if (given > 0) {
                    throw new IllegalArgumentException("--class/--prompt/--layout: the checkpoint is unconditional");
                }
                return Conditions.classes(0);
            case CLASS:
                require(!classes.isEmpty(), "--class", "a class-conditional checkpoint needs --class N");
                return Conditions.classes(classes.stream().mapToLong(Long::longValue).toArray());
            case TEXT:
            case CLIP:
                require(!prompts.isEmpty(), "--prompt", "a text-conditional checkpoint needs --prompt TEXT");
                return Conditions.prompts(prompts);
            case LAYOUT:
                require(!layouts.isEmpty(), "--layout", "a layout-conditional checkpoint needs --layout BOXES");
                List<List<Box>> ls = new ArrayList<>();
                for (String l : layouts) {
                    ls.add(parseLayout(l));
                }
                return Conditions.layouts(ls);
            default:
                throw new AssertionError(kind);
        }
    }

    private static void require(boolean ok, String option, String message) {
        if (!ok) {
            throw new IllegalArgumentException(option + ": " + message);
        }
    }

    /** "0:0.1,0.1,0.4,0.4;2:0.5,0.5,0.9,0.9" -> boxes. */
    static List<Box> parseLayout(String s) {
        List<Box> boxes = new ArrayList<>();
        for (String part : s.split(";")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            try {
                String[] cls = p.split(":");
                String[] xy = cls[1].split(",");
                if (cls.length != 2 || xy.length != 4) {
                    throw new IllegalArgumentException();
                }
                boxes.add(new Box(Integer.parseInt(cls[0].trim()), Double.parseDouble(xy[0]),
                        Double.parseDouble(xy[1]), Double.parseDouble(xy[2]), Double.parseDouble(xy[3])));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--layout: expected boxes \"class:x0,y0,x1,y1\" separated by ';', "
                        + "got \"" + p + "\"" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
            }
        }
        return boxes;
    }

    private static String describe(Conditions c, int i, CondStage.Kind kind) {
        return switch (kind) {
            case NONE -> "(unconditional)";
            case CLASS -> "class " + c.labels()[i];
            case TEXT, CLIP -> c.captions().get(i);
            case LAYOUT -> c.layouts().get(i).toString();
        };
    }
}
