package org.ldm4j.training.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.AutoencoderKL;
import org.ldm4j.autoencoder.VQModel;
import org.ldm4j.autoencoder.loss.AutoencoderLoss;
import org.ldm4j.autoencoder.loss.AutoencoderLossConfig;
import org.ldm4j.autoencoder.loss.Lpips;
import org.ldm4j.autoencoder.loss.VqAutoencoderLoss;
import org.ldm4j.autoencoder.loss.VqLossConfig;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.random.Rng;
import org.ldm4j.training.AeTrainConfig;
import org.ldm4j.training.AutoencoderTrainer;
import org.ldm4j.training.RecordJson;
import org.ldm4j.training.config.AutoencoderTrainingConfig;
import org.ldm4j.training.config.FirstStageLoss;
import org.ldm4j.training.config.LdmYaml;
import org.ldm4j.training.data.Dataset;
import org.ldm4j.training.distributed.Replica;
import org.ldm4j.training.models.FirstStages;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j train-autoencoder}: trains a KL or VQ first stage ({@link AutoencoderTrainer}) from a reference
 * YAML config or the built-in small one, on the built-in shapes or a dataset on disk; {@code --resume} continues
 * from the run directory's last checkpoint.
 *
 * <pre>{@code
 * $ ./ldm4j train-autoencoder --out runs/ae --steps 2000
 * $ ./ldm4j train-autoencoder --out runs/ae-f8 --config autoencoder_kl_32x32x4.yaml --dataset folder:/data/faces \
 *       --size 256 --lpips lpips.safetensors --set model.params.lossconfig.params.disc_start=10001
 * }</pre>
 */
@Command(name = "train-autoencoder",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Trains the first stage: a KL-regularised autoencoder (or a VQ one, from a VQ config) with L1 + LPIPS + "
                    + "KL (or codebook) loss and an adaptively weighted patch-GAN discriminator that starts at "
                    + "disc_start, both optimised with AdamW (betas 0.5, 0.9).",
            "",
            "Without --config: a small KL-f2 autoencoder (32 channels, 4 latent channels), no LPIPS, no "
                    + "discriminator. Writes OUT/checkpoints, OUT/metrics.jsonl, OUT/loss.png and "
                    + "OUT/reconstructions/step-*.png (inputs over reconstructions)."},
        footer = {"", "Examples:",
                "  ldm4j train-autoencoder --out runs/ae --steps 2000",
                "  ldm4j train-autoencoder --out runs/ae --resume                 continue an interrupted run",
                "  ldm4j train-autoencoder --out runs/ae --config kl-f8.yaml --lpips lpips.safetensors --size 64"})
final class TrainAutoencoderCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private RunOptions run;

    @Mixin
    private SparkOptions spark;

    @Option(names = "--config", paramLabel = "YAML", description = "A reference autoencoder config "
            + "(configs/autoencoder/*.yaml).")
    private Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides a config key, e.g. "
            + "model.params.embed_dim=3 (repeatable).")
    private List<String> overrides = new ArrayList<>();

    @Option(names = "--size", paramLabel = "PX", description = "Image side (default: 32).")
    private int size = 32;

    @Option(names = "--steps", paramLabel = "N", description = "Training steps (default: 1000).")
    private long steps = 1000;

    @Option(names = "--batch-size", paramLabel = "N", description = "Images per step (default: 16, or the config's).")
    private Integer batchSize;

    @Option(names = "--lr", paramLabel = "LR", description = "Learning rate (default: 1e-3, or the config's "
            + "base_learning_rate).")
    private Double lr;

    @Option(names = "--lpips", paramLabel = "FILE", description = "LPIPS weights (safetensors); without them the "
            + "perceptual weight is 0.")
    private Path lpips;

    @Option(names = "--image-every", paramLabel = "N", description = "Steps between reconstruction grids "
            + "(default: 500).")
    private long imageEvery = 500;

    /** The autoencoder and its loss, as the options describe them (alike on the driver and every executor). */
    private record Parts(Module autoencoder, Module loss, Dataset data, AeTrainConfig train,
            Map<String, Object> description) {
        AutoencoderTrainer trainer(Path out) {
            return autoencoder instanceof VQModel vq
                    ? AutoencoderTrainer.vq(vq, (VqAutoencoderLoss) loss, data, train, out, description)
                    : AutoencoderTrainer.kl((AutoencoderKL) autoencoder, (AutoencoderLoss) loss, data, train, out,
                            description);
        }

        Replica replica() {
            return autoencoder instanceof VQModel vq
                    ? AutoencoderTrainer.vqReplica(vq, (VqAutoencoderLoss) loss, data, train)
                    : AutoencoderTrainer.klReplica((AutoencoderKL) autoencoder, (AutoencoderLoss) loss, data, train);
        }
    }

    @Override
    public Integer call() throws IOException {
        PrintStream log = WriterStream.printStream(spec.commandLine().getErr());
        run.checkRunDirectory();
        AutoencoderTrainer trainer = parts(log).trainer(run.out);
        if (run.resume) {
            trainer.resume(log);
        }
        AutoencoderTrainer.Result r;
        try (SparkOptions.Session s = spark.open("train-autoencoder",
                spec.commandLine().getParseResult().originalArgs(), trainer.replica(), trainer.groups(), log)) {
            SparkOptions.use(s, trainer::setRunner);
            r = trainer.train(log);
        }
        spec.commandLine().getOut().printf("trained to step %d (%d skipped), last loss %.5g; checkpoint %s%n",
                r.step(), r.skippedSteps(), r.lastLoss(), r.lastCheckpoint());
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }

    /** An executor's replica of the run that {@code args} (a train-autoencoder command line) describes. */
    static Replica replicaOf(List<String> args) throws IOException {
        TrainAutoencoderCommand c = new TrainAutoencoderCommand();
        new picocli.CommandLine(c).parseArgs(args.toArray(String[]::new));
        return c.parts(new PrintStream(java.io.OutputStream.nullOutputStream())).replica();
    }

    private Parts parts(PrintStream log) throws IOException {
        AutoencoderConfig ae = new AutoencoderConfig(32, List.of(1, 2), 1, List.of(), 4, true, 0.0, size, 3, 3, 4,
                0);
        FirstStageLoss loss = new FirstStageLoss.Kl(AutoencoderLossConfig.ldm().withPerceptualWeight(0)
                .withDiscFactor(0));
        double rate = 1e-3;
        int batch = 16;
        if (config != null) {
            AutoencoderTrainingConfig c = LdmYaml.readAutoencoder(config, overrides);
            ae = c.autoencoder();
            loss = c.loss();
            rate = c.baseLearningRate();
            if (c.data().isPresent()) {
                batch = c.data().get().batchSize();
            }
        } else if (!overrides.isEmpty()) {
            throw new IllegalArgumentException("--set: overrides need a --config to apply to, got " + overrides);
        }
        if (ae.resolution() != size) {
            ae = new AutoencoderConfig(ae.ch(), ae.chMult(), ae.numResBlocks(), ae.attnResolutions(), ae.zChannels(),
                    ae.doubleZ(), ae.dropout(), size, ae.inChannels(), ae.outCh(), ae.embedDim(), ae.nEmbed());
        }
        Dataset data = DatasetOption.open(run.dataset, size, run.seed);
        AeTrainConfig train = new AeTrainConfig(steps, batchSize != null ? batchSize : batch, lr != null ? lr : rate,
                0.0, 10, imageEvery, run.checkpointEvery, run.keep, run.seed);
        Rng rng = new Rng(run.seed);
        Map<String, Object> description = new LinkedHashMap<>();
        description.put(FirstStages.CONFIG_KEY, RecordJson.toMap(ae));
        description.put("dataset", run.dataset);
        if (loss instanceof FirstStageLoss.Vq vq) {
            description.put(FirstStages.KIND_KEY, "VQ");
            VqLossConfig lc = vq.config();
            VqAutoencoderLoss l = lpips != null ? new VqAutoencoderLoss(lc, Lpips.load(lpips), rng.fork(2))
                    : new VqAutoencoderLoss(withoutPerceptual(lc, log), rng.fork(2));
            return new Parts(new VQModel(ae, rng.fork(1)), l, data, train, description);
        }
        description.put(FirstStages.KIND_KEY, "KL");
        AutoencoderLossConfig lc = loss instanceof FirstStageLoss.Kl kl ? kl.config()
                : AutoencoderLossConfig.ldm().withDiscFactor(0);
        AutoencoderLoss l = lpips != null ? new AutoencoderLoss(lc, Lpips.load(lpips), rng.fork(2))
                : new AutoencoderLoss(withoutPerceptual(lc, log), rng.fork(2));
        return new Parts(new AutoencoderKL(ae, rng.fork(1)), l, data, train, description);
    }

    private static AutoencoderLossConfig withoutPerceptual(AutoencoderLossConfig c, PrintStream log) {
        if (c.perceptualWeight() > 0) {
            log.println("train-autoencoder: no --lpips weights given: perceptual weight " + c.perceptualWeight()
                    + " -> 0 (ldm4j downloads nothing; see autoencoder/doc-files/lpips-weights.md)");
        }
        return c.withPerceptualWeight(0);
    }

    private static VqLossConfig withoutPerceptual(VqLossConfig c, PrintStream log) {
        if (c.perceptualWeight() > 0) {
            log.println("train-autoencoder: no --lpips weights given: perceptual weight " + c.perceptualWeight()
                    + " -> 0 (ldm4j downloads nothing)");
        }
        return c.withPerceptualWeight(0);
    }
}
