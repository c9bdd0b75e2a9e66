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
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.Sampling;
import org.ldm4j.training.checkpoint.Checkpoint;
import org.ldm4j.training.data.Box;
import org.ldm4j.training.image.Images;
import org.ldm4j.training.image.Resize;
import org.ldm4j.training.models.CondStage;
import org.ldm4j.training.models.Conditions;
import org.ldm4j.training.models.FirstStages;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.models.LdmSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j sample}: images from a trained latent diffusion checkpoint: class-, text- or layout-to-image,
 * img2img and inpainting, any sampler, classifier-free guidance and negative prompts. Every PNG carries the
 * prompt, seed, sampler and checkpoint in text chunks.
 *
 * <pre>{@code
 * $ ./ldm4j sample --checkpoint runs/ldm --class 3 --batch 8 --out samples
 * $ ./ldm4j sample --checkpoint runs/txt --prompt "a small red circle at the top left" --sampler dpmpp-2m --steps 20
 * }</pre>
 */
@Command(name = "sample",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Generates images with a latent diffusion checkpoint (train-ldm's; the EMA weights unless --no-ema). "
                    + "Writes OUT/sample-SEED-I.png (prompt, seed, sampler in PNG text chunks) and OUT/grid.png."},
        footer = {"", "Examples:",
                "  ldm4j sample --checkpoint runs/ldm --class 0 --class 1 --batch 4",
                "  ldm4j sample --checkpoint runs/txt --prompt \"a blue square\" --negative-prompt \"red\"",
                "  ldm4j sample --checkpoint runs/lay --layout \"0:0.1,0.1,0.4,0.4\"",
                "  ldm4j sample --checkpoint runs/ldm --class 2 --init-image in.png --strength 0.6",
                "  ldm4j sample --checkpoint runs/ldm --class 2 --init-image in.png --mask keep.png"})
final class SampleCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "CKPT", description = "A train-ldm checkpoint or "
            + "run directory.")
    private Path checkpoint;

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

    @Option(names = "--guidance", paramLabel = "S", description = "Classifier-free guidance scale (default: 3).")
    private double guidance = 3.0;

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

    @Option(names = "--no-ema", description = "Use the raw weights instead of the EMA ones.")
    private boolean noEma;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Output directory (default: samples).")
    private Path out = Path.of("samples");

    @Override
    public Integer call() throws IOException {
        Sampling.Name name = Sampling.Name.parse(sampler);
        Path file = FirstStages.resolve(checkpoint);
        Checkpoint checkpointFile = Checkpoint.read(file, Checkpoint.MODEL);
        LdmSpec ls = LdmSpec.of(checkpointFile, file);
        LatentDiffusion ldm = ls.load(checkpointFile, !noEma);
        Conditions c = conditions(ldm.cond().kind());
        if (batch < 1) {
            throw new IllegalArgumentException("--batch: expected at least one image per condition, got " + batch);
        }
        c = c.repeatEach(batch);
        Sampling.Request r = Sampling.Request.of(c, name, steps, guidance, seed);
        if (negative != null) {
            if (ldm.cond().kind() != CondStage.Kind.TEXT) {
                throw new IllegalArgumentException("--negative-prompt: the checkpoint is conditioned on "
                        + ldm.cond().kind() + ", not on text");
            }
            r = r.withNegative(Conditions.prompts(Collections.nCopies(c.size(), negative)));
        }
        if (initImage != null) {
            Tensor img = Images.read(initImage, ls.height(), ls.width(), Resize.AREA);
            Tensor x = img.reshape(1, 3, ls.height(), ls.width()).expand(c.size(), 3, ls.height(), ls.width());
            r = r.withInitImage(x, strength);
            if (mask != null) {
                Tensor m = Images.read(mask, ls.height(), ls.width(), Resize.AREA).mean(true, 0)
                        .reshape(1, 1, ls.height(), ls.width()).add(1).mul(0.5);
                r = r.withMask(m);
            }
        } else if (mask != null) {
            throw new IllegalArgumentException("--mask: inpainting needs --init-image too");
        }
        Tensor images = Sampling.run(ldm, ls.height(), ls.width(), r, null).clamp(-1, 1);
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
            text.put("checkpoint", file.toString());
            Path png = out.resolve(String.format("sample-%d-%03d.png", seed, i));
            Images.write(images.slice(0, i, i + 1).reshape(3, ls.height(), ls.width()), png, text);
        }
        Images.writeGrid(images, batch, Images.DEFAULT_PADDING, out.resolve("grid.png"));
        spec.commandLine().getOut().printf("wrote %d images to %s (%s)%n", c.size(), out, r.describeSampler());
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
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
            case TEXT -> c.captions().get(i);
            case LAYOUT -> c.layouts().get(i).toString();
        };
    }
}
