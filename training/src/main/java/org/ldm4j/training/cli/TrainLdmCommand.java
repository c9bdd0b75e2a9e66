package org.ldm4j.training.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ldm4j.conditioning.text.tokenize.WordPieceVocabulary;
import org.ldm4j.core.random.Rng;
import org.ldm4j.diffusion.DiffusionLoss;
import org.ldm4j.diffusion.DiffusionLossConfig;
import org.ldm4j.diffusion.Prediction;
import org.ldm4j.training.LatentDiffusionTrainer;
import org.ldm4j.training.LdmReplica;
import org.ldm4j.training.LdmTrainConfig;
import org.ldm4j.training.config.CondStageConfig;
import org.ldm4j.training.config.LatentDiffusionConfig;
import org.ldm4j.training.config.LdmYaml;
import org.ldm4j.training.data.Dataset;
import org.ldm4j.training.data.LatentCache;
import org.ldm4j.training.data.LatentDataset;
import org.ldm4j.training.models.CondStage;
import org.ldm4j.training.models.FirstStages;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.models.LdmSpec;
import org.ldm4j.unet.UNetConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j train-ldm}: trains a latent diffusion model ({@link LatentDiffusionTrainer}) in the latent space of
 * a first stage trained by {@code train-autoencoder}, unconditional or conditioned on classes, captions (a
 * WordPiece vocabulary built from the training captions and a transformer trained jointly) or layouts.
 *
 * <pre>{@code
 * $ ./ldm4j train-ldm --out runs/ldm --first-stage runs/ae --cond class --steps 5000
 * $ ./ldm4j train-ldm --out runs/ldm --first-stage runs/ae --resume
 * }</pre>
 */
@Command(name = "train-ldm",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Trains a latent diffusion model on the latents of a trained first stage (frozen): DDPM loss at random "
                    + "timesteps, condition dropout for classifier-free guidance, EMA weights, AdamW with warm-up, "
                    + "gradient clipping and accumulation. The latent scale factor is 1 / std of the first batch's "
                    + "latents unless --scale-factor is given.",
            "",
            "Without --config: a small U-Net (--channels wide, two levels, cross-attention at both). Writes "
                    + "OUT/checkpoints, OUT/metrics.jsonl, OUT/loss.png and OUT/samples/step-*.png (EMA samples)."},
        footer = {"", "Examples:",
                "  ldm4j train-ldm --out runs/ldm --first-stage runs/ae --cond class --steps 5000",
                "  ldm4j train-ldm --out runs/txt --first-stage runs/ae --cond text --cache runs/latents.safetensors",
                "  ldm4j train-ldm --out runs/ldm --first-stage runs/ae --resume"})
final class TrainLdmCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private RunOptions run;

    @Mixin
    private SparkOptions spark;

    @Option(names = "--first-stage", required = true, paramLabel = "CKPT", description = "The autoencoder: a "
            + "train-autoencoder checkpoint or run directory.")
    private Path firstStage;

    @Option(names = "--config", paramLabel = "YAML", description = "A reference latent diffusion config "
            + "(configs/latent-diffusion/*.yaml); its first stage must match --first-stage.")
    private Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides a config key (repeatable).")
    private List<String> overrides = new ArrayList<>();

    @Option(names = "--cond", paramLabel = "KIND", description = "none, class (default: labels into the U-Net's "
            + "class embedding), class-attn (a ClassEmbedder through cross-attention, as the reference's cin "
            + "models), text or layout (without --config).")
    private String cond = "class";

    @Option(names = "--channels", paramLabel = "N", description = "The U-Net's base channels (default: 64).")
    private int channels = 64;

    @Option(names = "--prediction", paramLabel = "P", description = "eps (default), x0 or v.")
    private String prediction = "eps";

    @Option(names = "--examples", paramLabel = "N", description = "Training examples (default: 4096; the "
            + "built-in shapes are unbounded).")
    private long examples = 4096;

    @Option(names = "--cache", paramLabel = "FILE", description = "Encode the examples once into this latent cache "
            + "(reused while current) and train on it.")
    private Path cache;

    @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps (default: 2000).")
    private long steps = 2000;

    @Option(names = "--batch-size", paramLabel = "N", description = "Examples per micro-batch (default: 32).")
    private int batchSize = 32;

    @Option(names = "--accumulate", paramLabel = "K", description = "Micro-batches per step (default: 1).")
    private int accumulate = 1;

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default: 5e-4, or the config's).")
    private Double lr;

    @Option(names = "--warmup", paramLabel = "N", description = "Warm-up steps (default: 100).")
    private long warmup = 100;

    @Option(names = "--grad-clip", paramLabel = "NORM", description = "Gradient-norm limit, 0 for none "
            + "(default: 1).")
    private double gradClip = 1.0;

    @Option(names = "--ema-decay", paramLabel = "D", description = "EMA decay, 0 for none (default: 0.999).")
    private double emaDecay = 0.999;

    @Option(names = "--cond-dropout", paramLabel = "P", description = "Condition dropout (default: 0.1).")
    private double condDropout = 0.1;

    @Option(names = "--sample-steps", paramLabel = "N", description = "DDIM steps of the sample grids (default: 50).")
    private int sampleSteps = 50;

    @Option(names = "--sample-guidance", paramLabel = "S", description = "Guidance scale of the sample grids "
            + "(default: 3).")
    private double sampleGuidance = 3.0;

    @Option(names = "--scale-factor", paramLabel = "S", description = "Latent scale (default: 1 / std of the first "
            + "batch).")
    private Double scaleFactor;

    @Option(names = "--sample-every", paramLabel = "N", description = "Steps between sample grids, 0 for none "
            + "(default: 500).")
    private long sampleEvery = 500;

    /** What the options describe: built alike on the driver and on every executor of a distributed run. */
    record Parts(LatentDiffusion ldm, DiffusionLoss loss, Dataset data, LatentDataset latents, LdmTrainConfig config,
            Map<String, Object> description) {
    }

    @Override
    public Integer call() throws IOException {
        PrintStream log = WriterStream.printStream(spec.commandLine().getErr());
        run.checkRunDirectory();
        Parts p = parts(log);
        LatentDiffusionTrainer trainer = new LatentDiffusionTrainer(p.ldm(), p.loss(), p.data(), p.latents(),
                p.config(), run.out, p.description());
        if (run.resume) {
            trainer.resume(log);
        }
        LatentDiffusionTrainer.Result r;
        try (SparkOptions.Session s = spark.open("train-ldm", spec.commandLine().getParseResult().originalArgs(),
                trainer.replica(), trainer.groups(), log)) {
            SparkOptions.use(s, trainer::setRunner);
            r = trainer.train(log);
        }
        spec().getOut().printf("trained to step %d (%d skipped), last loss %.5g; checkpoint %s%n", r.step(),
                r.skippedSteps(), r.lastLoss(), r.lastCheckpoint());
        spec().getOut().flush();
        return ExitCode.OK;
    }

    /** An executor's replica of the run that {@code args} (a train-ldm command line) describes. */
    static LdmReplica replicaOf(List<String> args) throws IOException {
        TrainLdmCommand c = new TrainLdmCommand();
        new picocli.CommandLine(c).parseArgs(args.toArray(String[]::new));
        Parts p = c.parts(new PrintStream(java.io.OutputStream.nullOutputStream()));
        return new LdmReplica(p.ldm(), p.loss(), p.data(), p.latents(), p.config());
    }

    private Parts parts(PrintStream log) throws IOException {
        FirstStages.Loaded ae = FirstStages.load(firstStage);
        int size = ae.config().resolution();
        Dataset data = DatasetOption.open(run.dataset, size, run.seed);
        if (!data.isUnbounded() || examples < data.size()) {
            data = data.limit(Math.min(examples, data.size()));
        }
        LdmSpec spec;
        double rate = 5e-4;
        if (config != null) {
            LatentDiffusionConfig c = LdmYaml.readLatentDiffusion(config, overrides);
            if (!c.firstStage().equals(ae.config())) {
                throw new IllegalArgumentException("--config: its first stage " + c.firstStage() + " differs from "
                        + "the --first-stage checkpoint's " + ae.config());
            }
            spec = new LdmSpec(c.unet(), ae.kind(), ae.config(), condFromConfig(c.condStage(), data),
                    new LdmSpec.ScheduleSpec(c.diffusion().betaSchedule(), c.diffusion().timesteps(),
                            c.diffusion().linearStart(), c.diffusion().linearEnd(), c.diffusion().cosineS()),
                    c.diffusion().prediction(), size, size);
            rate = c.baseLearningRate();
        } else {
            if (!overrides.isEmpty()) {
                throw new IllegalArgumentException("--set: overrides need a --config to apply to, got " + overrides);
            }
            CondStage.Spec condSpec = condFromOption(cond, data, channels);
            int f = ae.config().downsamplingFactor();
            int latent = ae.config().embedDim();
            var b = UNetConfig.builder().imageSize(size / f).inChannels(latent).outChannels(latent)
                    .modelChannels(channels).channelMult(1, 2).numResBlocks(2).numHeadChannels(32);
            if (condSpec.kind() == CondStage.Kind.NONE || condSpec.labelsToUnet()) {
                b.attentionResolutions(2).numClasses(condSpec.labelsToUnet() ? condSpec.classes() + 1 : 0);
            } else {
                b.attentionResolutions(1, 2).useSpatialTransformer(true).contextDim(condSpec.dim());
            }
            spec = new LdmSpec(b.build(), ae.kind(), ae.config(), condSpec, LdmSpec.ScheduleSpec.ldm(),
                    predictionOf(prediction), size, size);
        }
        LatentDiffusion ldm = spec.build(new Rng(run.seed).fork(3));
        ldm.firstStageModule().load(ae.weights(), true);
        LatentDataset latents = null;
        if (cache != null) {
            latents = LatentCache.of(data, ldm.codec()).withCodecName(ae.file() + " step " + ae.step())
                    .openOrBuild(cache, (done, total) -> { });
            log.println("train-ldm: latent cache " + cache + " (" + latents.size() + " examples)");
        }
        LdmTrainConfig.Builder tc = LdmTrainConfig.builder().steps(steps).batchSize(batchSize).accumulate(accumulate)
                .lr(lr != null ? lr : rate).warmupSteps(warmup).gradClip(gradClip).emaDecay(emaDecay)
                .condDropout(spec.cond().kind() == CondStage.Kind.NONE ? 0 : condDropout).sampleEvery(sampleEvery)
                .sampleSteps(sampleSteps).guidance(sampleGuidance)
                .checkpointEvery(run.checkpointEvery).keepLast(run.keep).seed(run.seed);
        if (scaleFactor != null) {
            tc.scaleFactor(scaleFactor);
        }
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("model", spec.toJson());
        description.put("first_stage_checkpoint", ae.file().toString());
        description.put("dataset", run.dataset);
        return new Parts(ldm, new DiffusionLoss(ldm.process(), DiffusionLossConfig.reference()), data, latents,
                tc.build(), description);
    }

    private picocli.CommandLine spec() {
        return spec.commandLine();
    }

    static Prediction predictionOf(String p) {
        return switch (p.toLowerCase(java.util.Locale.ROOT)) {
            case "eps", "epsilon" -> Prediction.EPSILON;
            case "x0", "sample" -> Prediction.SAMPLE;
            case "v" -> Prediction.V;
            default -> throw new IllegalArgumentException("--prediction: expected eps, x0 or v, got \"" + p + "\"");
        };
    }

    /** The conditioning stage of {@code --cond}, sized for the data. */
    static CondStage.Spec condFromOption(String kind, Dataset data, int dim) {
        return switch (kind) {
            case "none" -> CondStage.Spec.none();
            case "class" -> CondStage.Spec.classLabels(data.numClasses());
            case "class-attn" -> CondStage.Spec.classes(data.numClasses(), dim);
            case "text" -> CondStage.Spec.text(vocabulary(data), dim, 2, Math.max(1, dim / 32), 32);
            case "layout" -> CondStage.Spec.layout(data.numClasses(), 8, 32, dim, 2, Math.max(1, dim / 32));
            default -> throw new IllegalArgumentException("--cond: expected none, class, class-attn, text or layout, got \""
                    + kind + "\"");
        };
    }

    private static CondStage.Spec condFromConfig(CondStageConfig c, Dataset data) {
        if (c instanceof CondStageConfig.Unconditional) {
            return CondStage.Spec.none();
        }
        if (c instanceof CondStageConfig.ClassLabels cl) {
            return CondStage.Spec.classes(data.numClasses(), cl.embedDim());
        }
        if (c instanceof CondStageConfig.Transformer t) {
            return CondStage.Spec.text(vocabulary(data), t.config().nEmbed(), t.config().nLayer(), t.config().heads(),
                    t.config().maxSeqLen());
        }
        if (c instanceof CondStageConfig.Bert b) {
            return CondStage.Spec.text(vocabulary(data), b.config().nEmbed(), b.config().nLayer(), b.config().heads(),
                    b.config().maxSeqLen());
        }
        throw new IllegalArgumentException("--config: cond_stage_config " + c.getClass().getSimpleName()
                + " is not trainable with train-ldm yet; supported: unconditional, ClassEmbedder, "
                + "TransformerEmbedder, BERTEmbedder");
    }

    /** A WordPiece vocabulary built from the first captions of the data (no downloads). */
    static WordPieceVocabulary vocabulary(Dataset data) {
        long n = Math.min(2000, data.size());
        List<String> captions = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            captions.add(data.get(i).caption());
        }
        return WordPieceVocabulary.build(captions, 1000);
    }
}
