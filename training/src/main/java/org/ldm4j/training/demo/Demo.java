package org.ldm4j.training.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.AutoencoderKL;
import org.ldm4j.autoencoder.loss.AutoencoderLoss;
import org.ldm4j.autoencoder.loss.AutoencoderLossConfig;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.DiffusionLoss;
import org.ldm4j.diffusion.DiffusionLossConfig;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.training.AeTrainConfig;
import org.ldm4j.training.AutoencoderTrainer;
import org.ldm4j.training.LatentDiffusionTrainer;
import org.ldm4j.training.LdmTrainConfig;
import org.ldm4j.training.RecordJson;
import org.ldm4j.training.data.LatentCache;
import org.ldm4j.training.data.LatentDataset;
import org.ldm4j.training.data.ShapeColour;
import org.ldm4j.training.data.ShapeKind;
import org.ldm4j.training.data.ShapesConfig;
import org.ldm4j.training.data.ShapesDataset;
import org.ldm4j.training.eval.FidelityReport;
import org.ldm4j.training.eval.ShapesChecker;
import org.ldm4j.training.image.Images;
import org.ldm4j.training.models.CondStage;
import org.ldm4j.training.models.Conditions;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.models.LdmSpec;
import org.ldm4j.unet.UNetConfig;

/**
 * The {@code ldm4j demo}: the paper's two stages end to end on the built-in shapes, small enough for a laptop CPU.
 * It trains a KL autoencoder (f2: 32x32x3 images to 16x16x4 latents; L1 + KL, no downloads, so no LPIPS), encodes
 * the training images once into a latent cache, trains a class-conditional LDM on the cached latents (classes are
 * "red circle", "blue square", ...; condition dropout for guidance; EMA), then samples every class with DDIM and
 * classifier-free guidance from the EMA weights, and measures fidelity: the fraction of samples whose shape and
 * colour a simple checker of the synthetic images recognises as the requested class.
 *
 * <p>Writes {@code autoencoder/} and {@code ldm/} (run directories: checkpoints, metrics, loss curves, images),
 * {@code latents.safetensors}, {@code options.json} (a run interrupted is resumed by running it again with the
 * same options), {@code samples.png} (one row per class), {@code samples/<class>.png}, and
 * {@code report.md} and {@code report.json}.
 *
 * <pre>{@code
 * Demo.Report r = new Demo(Demo.Options.defaults()).run(Path.of("demo"), System.out);
 * double fidelity = r.fidelity().classAccuracy();
 * }</pre>
 */
public final class Demo {
    /**
     * The demo's settings.
     *
     * @param size            image side (32)
     * @param kinds           the shape kinds drawn
     * @param colours         the colours drawn; classes are every (kind, colour) pair
     * @param aeSteps         autoencoder training steps
     * @param aeBatch         autoencoder batch
     * @param aeLr            autoencoder learning rate
     * @param examples        training images (encoded once into the latent cache)
     * @param ldmSteps        LDM training steps
     * @param ldmBatch        LDM batch
     * @param ldmLr           LDM learning rate
     * @param modelChannels   the U-Net's base width
     * @param samplesPerClass samples of each class in the report
     * @param samplerSteps    DDIM steps
     * @param guidance        classifier-free guidance scale
     * @param seed            the seed of everything
     */
    public record Options(int size, List<ShapeKind> kinds, List<ShapeColour> colours, long aeSteps, int aeBatch,
            double aeLr, int examples, long ldmSteps, int ldmBatch, double ldmLr, int modelChannels,
            int samplesPerClass, int samplerSteps, double guidance, long seed) {
        public Options {
            kinds = List.copyOf(kinds);
            colours = List.copyOf(colours);
            if (size != 32 && size != 64) {
                throw new IllegalArgumentException("size: expected 32 or 64, got " + size);
            }
            if (kinds.isEmpty() || colours.isEmpty()) {
                throw new IllegalArgumentException("kinds, colours: expected at least one of each, got " + kinds + ", "
                        + colours);
            }
            if (examples < 1 || samplesPerClass < 1) {
                throw new IllegalArgumentException("examples, samplesPerClass: expected positive numbers, got "
                        + examples + ", " + samplesPerClass);
            }
        }

        /**
         * The README's demo: 3 kinds x 3 colours = 9 classes; 200 autoencoder steps, 1000 LDM steps of 32 latents;
         * about 12 minutes on 2 cores.
         */
        public static Options defaults() {
            return new Options(32, List.of(ShapeKind.CIRCLE, ShapeKind.SQUARE, ShapeKind.TRIANGLE),
                    List.of(ShapeColour.RED, ShapeColour.GREEN, ShapeColour.BLUE), 200, 16, 1e-3, 4096, 1000, 32,
                    1e-3, 32, 8, 25, 3.0, 0);
        }

        /** A smoke run (seconds): the whole pipeline on tiny step counts; its samples mean nothing. */
        public static Options quick() {
            return defaults().withSteps(4, 4).withExamples(64).withSamples(2, 3).withModelChannels(32);
        }

        public Options withSteps(long ae, long ldm) {
            return new Options(size, kinds, colours, ae, aeBatch, aeLr, examples, ldm, ldmBatch, ldmLr, modelChannels,
                    samplesPerClass, samplerSteps, guidance, seed);
        }

        public Options withExamples(int n) {
            return new Options(size, kinds, colours, aeSteps, aeBatch, aeLr, n, ldmSteps, ldmBatch, ldmLr,
                    modelChannels, samplesPerClass, samplerSteps, guidance, seed);
        }

        public Options withSamples(int perClass, int steps) {
            return new Options(size, kinds, colours, aeSteps, aeBatch, aeLr, examples, ldmSteps, ldmBatch, ldmLr,
                    modelChannels, perClass, steps, guidance, seed);
        }

        public Options withBatches(int ae, int ldm) {
            return new Options(size, kinds, colours, aeSteps, ae, aeLr, examples, ldmSteps, ldm, ldmLr, modelChannels,
                    samplesPerClass, samplerSteps, guidance, seed);
        }

        public Options withModelChannels(int c) {
            return new Options(size, kinds, colours, aeSteps, aeBatch, aeLr, examples, ldmSteps, ldmBatch, ldmLr, c,
                    samplesPerClass, samplerSteps, guidance, seed);
        }

        public Options withLr(double ae, double ldm) {
            return new Options(size, kinds, colours, aeSteps, aeBatch, ae, examples, ldmSteps, ldmBatch, ldm,
                    modelChannels, samplesPerClass, samplerSteps, guidance, seed);
        }

        public Options withGuidance(double g) {
            return new Options(size, kinds, colours, aeSteps, aeBatch, aeLr, examples, ldmSteps, ldmBatch, ldmLr,
                    modelChannels, samplesPerClass, samplerSteps, g, seed);
        }

        public Options withSeed(long s) {
            return new Options(size, kinds, colours, aeSteps, aeBatch, aeLr, examples, ldmSteps, ldmBatch, ldmLr,
                    modelChannels, samplesPerClass, samplerSteps, guidance, s);
        }

        /** The dataset's configuration: one shape per image, labelled by shape and colour. */
        public ShapesConfig shapes() {
            return ShapesConfig.of(size).withKinds(kinds.toArray(ShapeKind[]::new))
                    .withColours(colours.toArray(ShapeColour[]::new)).withLabels(ShapesConfig.Labels.SHAPE_AND_COLOUR)
                    .withBackground(ShapesConfig.Background.PLAIN);
        }
    }

    /** What the demo measured. */
    public record Report(FidelityReport fidelity, double aeSeconds, double cacheSeconds, double ldmSeconds,
            double sampleSeconds, double aeLoss, double ldmLoss, Path dir) {
    }

    private static final long CHECKPOINT_EVERY = 100;

    private final Options options;

    public Demo(Options options) {
        if (options == null) {
            throw new IllegalArgumentException("options: expected demo options, got null");
        }
        this.options = options;
    }

    /**
     * The autoencoder: f2 (channel multipliers 1, 2), 32 base channels, 4 latent channels. An f4 one of the same
     * width reconstructs the shapes far worse after the same number of steps.
     */
    public AutoencoderConfig autoencoderConfig() {
        return new AutoencoderConfig(32, List.of(1, 2), 1, List.of(), 4, true, 0.0, options.size(), 3, 3, 4, 0);
    }

    /**
     * The U-Net on the latents: two levels, self-attention at the lower one, and the class (plus a null class
     * for guidance) in its own label embedding, added to the timestep embedding of every residual block: on this
     * budget that learns the classes much faster than cross-attention to a class embedding.
     */
    public LdmSpec ldmSpec(int classes) {
        int f = autoencoderConfig().downsamplingFactor();
        int c = options.modelChannels();
        UNetConfig unet = UNetConfig.builder().imageSize(options.size() / f).inChannels(4).outChannels(4)
                .modelChannels(c).channelMult(1, 2).numResBlocks(2).attentionResolutions(2).numHeadChannels(32)
                .numClasses(classes + 1).build();
        return new LdmSpec(unet, LdmSpec.FirstStageKind.KL, autoencoderConfig(), CondStage.Spec.classLabels(classes),
                LdmSpec.ScheduleSpec.ldm(), Prediction.EPSILON, options.size(), options.size());
    }

    /** Runs the whole demo into {@code dir}, reporting progress on {@code out}. */
    @SuppressWarnings("try")
    public Report run(Path dir, PrintStream out) throws IOException {
        Files.createDirectories(dir);
        checkSettings(dir.resolve("options.json"));
        ShapesConfig shapes = options.shapes();
        ShapesDataset data = new ShapesDataset(shapes, options.seed());
        int classes = shapes.numClasses();
        Rng rng = new Rng(options.seed());
        out.printf("demo: %d classes (%s, ...), %dx%d images, chance %.1f%%%n", classes, shapes.className(0),
                options.size(), options.size(), 100.0 / classes);

        // 1. the first stage
        long t0 = System.nanoTime();
        AutoencoderKL ae = new AutoencoderKL(autoencoderConfig(), rng.fork(1));
        AutoencoderLoss aeLoss = new AutoencoderLoss(AutoencoderLossConfig.ldm().withPerceptualWeight(0)
                .withDiscFactor(0), rng.fork(2));
        AeTrainConfig aeConfig = new AeTrainConfig(options.aeSteps(), options.aeBatch(), options.aeLr(), 0.0, 10, 0,
                CHECKPOINT_EVERY, 2, options.seed());
        Map<String, Object> aeDescription = new LinkedHashMap<>();
        aeDescription.put("autoencoder", RecordJson.toMap(autoencoderConfig()));
        aeDescription.put("dataset", RecordJson.toMap(shapes));
        AutoencoderTrainer aeTrainer = AutoencoderTrainer.kl(ae, aeLoss, data, aeConfig, dir.resolve("autoencoder"),
                aeDescription);
        aeTrainer.resume(out);
        AutoencoderTrainer.Result aeResult = aeTrainer.train(out);
        double aeSeconds = (System.nanoTime() - t0) / 1e9;

        // 2. the latent cache
        LdmSpec spec = ldmSpec(classes);
        LatentDiffusion ldm = spec.build(rng.fork(3));
        ((org.ldm4j.core.nn.Module) ldm.firstStage()).load(ae.stateDict(), true);
        long t1 = System.nanoTime();
        Path cacheFile = dir.resolve("latents.safetensors");
        LatentDataset latents = LatentCache.of(data.limit(options.examples()), ldm.codec()).withBatchSize(64)
                .withCodecName("demo autoencoder, step " + aeResult.step())
                .openOrBuild(cacheFile, (done, total) -> { });
        double cacheSeconds = (System.nanoTime() - t1) / 1e9;
        out.printf("demo: encoded %d images into %s (%.1f s)%n", latents.size(), cacheFile, cacheSeconds);

        // 3. the latent diffusion model
        long t2 = System.nanoTime();
        LdmTrainConfig ldmConfig = LdmTrainConfig.builder().steps(options.ldmSteps()).batchSize(options.ldmBatch())
                .lr(options.ldmLr()).warmupSteps(Math.min(100, options.ldmSteps() / 10)).gradClip(1.0)
                .emaDecay(0.999).condDropout(0.1).logEvery(10).sampleEvery(0).checkpointEvery(CHECKPOINT_EVERY).keepLast(2)
                .sampleSteps(options.samplerSteps()).guidance(options.guidance()).seed(options.seed()).build();
        DiffusionLoss loss = new DiffusionLoss(ldm.process(), DiffusionLossConfig.reference());
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("model", spec.toJson());
        description.put("dataset", RecordJson.toMap(shapes));
        LatentDiffusionTrainer trainer = new LatentDiffusionTrainer(ldm, loss, data.limit(options.examples()), latents,
                ldmConfig, dir.resolve("ldm"), description);
        trainer.resume(out);
        LatentDiffusionTrainer.Result ldmResult = trainer.train(out);
        double ldmSeconds = (System.nanoTime() - t2) / 1e9;

        // 4. samples of every class from the EMA weights, and their fidelity
        long t3 = System.nanoTime();
        int k = options.samplesPerClass();
        long[] requested = new long[classes * k];
        Path samplesDir = Files.createDirectories(dir.resolve("samples"));
        FidelityReport fidelity;
        ldm.eval();
        try (var swap = trainer.ema().swapIn(); MemoryScope s = MemoryScope.open();
                GradMode.Scope g = GradMode.disabled()) {
            long[] labels = new long[classes];
            for (int c = 0; c < classes; c++) {
                labels[c] = c;
                for (int i = 0; i < k; i++) {
                    requested[c * k + i] = c;
                }
            }
            out.printf("demo: sampling %d images (%d per class) with DDIM, %d steps, guidance %.1f%n", classes * k, k,
                    options.samplerSteps(), options.guidance());
            Tensor all = LatentDiffusionTrainer.sample(ldm, options.size(), options.size(),
                    Conditions.classes(labels).repeatEach(k), options.samplerSteps(), options.guidance(),
                    options.seed() + 1000L).clamp(-1, 1);
            for (int c = 0; c < classes; c++) {
                Tensor row = all.slice(0, (long) c * k, (long) (c + 1) * k);
                Images.writeGrid(row, k, Images.DEFAULT_PADDING,
                        samplesDir.resolve(shapes.className(c).replace(' ', '-') + ".png"));
            }
            Images.writeGrid(all, k, Images.DEFAULT_PADDING, dir.resolve("samples.png"));
            fidelity = new ShapesChecker(shapes).evaluate(all, requested);
        }
        double sampleSeconds = (System.nanoTime() - t3) / 1e9;
        Report report = new Report(fidelity, aeSeconds, cacheSeconds, ldmSeconds, sampleSeconds, aeResult.lastLoss(),
                ldmResult.lastLoss(), dir);
        writeReport(report, shapes);
        out.println("demo: " + fidelity.toString().lines().findFirst().orElse(""));
        out.println("demo: wrote " + dir.resolve("samples.png") + " and " + dir.resolve("report.md"));
        return report;
    }

    /**
     * A demo directory belongs to one set of options: the same options resume an interrupted run (or re-sample a
     * finished one), other options are refused instead of mixing two runs.
     */
    private void checkSettings(Path file) throws IOException {
        String json = Json.write(RecordJson.toMap(options));
        if (Files.exists(file)) {
            String before = Files.readString(file);
            if (!before.equals(json)) {
                throw new IllegalArgumentException("out: " + file.getParent() + " holds a demo run with other settings "
                        + "(" + file + "); choose another --out or remove that directory");
            }
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, json);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private void writeReport(Report r, ShapesConfig shapes) throws IOException {
        FidelityReport f = r.fidelity();
        StringBuilder md = new StringBuilder();
        md.append("# ldm4j demo\n\n");
        md.append(String.format(Locale.ROOT, "Fidelity: **%.1f%%** of %d samples show the requested shape and colour "
                + "(chance %.1f%%).%n%n", 100 * f.classAccuracy(), f.count(), 100 * f.chance()));
        md.append("![samples](samples.png)\n\n");
        md.append("One row per class, in this order: ");
        for (int c = 0; c < shapes.numClasses(); c++) {
            md.append(c == 0 ? "" : ", ").append(shapes.className(c));
        }
        md.append(".\n\n## Per class\n\n```\n").append(f).append("\n```\n\n## Run\n\n");
        md.append(String.format(Locale.ROOT, "- autoencoder: %d steps, batch %d, final loss %.4g, %.0f s%n",
                options.aeSteps(), options.aeBatch(), r.aeLoss(), r.aeSeconds()));
        md.append(String.format(Locale.ROOT, "- latent cache: %d images, %.0f s%n", options.examples(),
                r.cacheSeconds()));
        md.append(String.format(Locale.ROOT, "- latent diffusion: %d steps, batch %d, final loss %.4g, %.0f s%n",
                options.ldmSteps(), options.ldmBatch(), r.ldmLoss(), r.ldmSeconds()));
        md.append(String.format(Locale.ROOT, "- sampling: DDIM %d steps, guidance %.1f, %d per class, %.0f s%n",
                options.samplerSteps(), options.guidance(), options.samplesPerClass(), r.sampleSeconds()));
        md.append("- loss curves: autoencoder/loss.png, ldm/loss.png; checkpoints: autoencoder/checkpoints, "
                + "ldm/checkpoints\n");
        Files.writeString(r.dir().resolve("report.md"), md.toString());
        Map<String, Object> json = new LinkedHashMap<>();
        try {
            json.put("fidelity", Json.parse(f.toJson()));
        } catch (Json.ParseException e) {
            throw new IllegalStateException("fidelity report: not JSON: " + e.getMessage(), e);
        }
        json.put("options", RecordJson.toMap(options));
        json.put("seconds", Map.of("autoencoder", r.aeSeconds(), "cache", r.cacheSeconds(), "ldm", r.ldmSeconds(),
                "sampling", r.sampleSeconds()));
        json.put("final_loss", Map.of("autoencoder", r.aeLoss(), "ldm", r.ldmLoss()));
        Files.writeString(r.dir().resolve("report.json"), Json.write(json));
    }
}
