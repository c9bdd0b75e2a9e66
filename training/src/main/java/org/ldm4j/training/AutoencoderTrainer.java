package org.ldm4j.training;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ldm4j.autoencoder.AutoencoderKL;
import org.ldm4j.autoencoder.FirstStage;
import org.ldm4j.autoencoder.VQModel;
import org.ldm4j.autoencoder.loss.AutoencoderLoss;
import org.ldm4j.autoencoder.loss.DiscriminatorOutput;
import org.ldm4j.autoencoder.loss.GeneratorOutput;
import org.ldm4j.autoencoder.loss.KlLossLog;
import org.ldm4j.autoencoder.loss.VqAutoencoderLoss;
import org.ldm4j.autoencoder.loss.VqLossLog;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.autograd.ShapeOps;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.nn.LoadReport;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.optim.AdamW;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.checkpoint.Checkpoint;
import org.ldm4j.training.data.Batches;
import org.ldm4j.training.data.DataLoader;
import org.ldm4j.training.data.Dataset;
import org.ldm4j.training.distributed.LocalRunner;
import org.ldm4j.training.distributed.Replica;
import org.ldm4j.training.distributed.StepRunner;
import org.ldm4j.training.distributed.TrainGroup;
import org.ldm4j.training.image.Images;
import org.ldm4j.training.report.Progress;

/**
 * Trains a first stage (Rombach et al. 2022, Sec. 3.1): a KL-regularised {@link AutoencoderKL} with the
 * {@link AutoencoderLoss} or a {@link VQModel} with the {@link VqAutoencoderLoss}. Every step is a generator step
 * (reconstruction + perceptual + regulariser + adaptively weighted GAN term) with the autoencoder's AdamW, then,
 * once the discriminator is on ({@code step >= disc_start} and a non-zero {@code disc_factor}), a discriminator
 * step with its own AdamW, both with the reference's betas (0.5, 0.9).
 *
 * <p>Differences from the reference, on purpose: the discriminator step reuses the generator step's
 * reconstructions (detached) instead of running the autoencoder again, and before {@code disc_start} the
 * discriminator step is skipped (the reference steps Adam on a zero loss there, which leaves the weights where
 * they are). Checkpoints hold the autoencoder and {@code loss.*} under the reference's keys, except the frozen
 * LPIPS network ({@code loss.perceptual_loss.*}), which is read from its own file.
 *
 * <pre>{@code
 * AutoencoderTrainer t = AutoencoderTrainer.kl(ae, loss, shapes, config, runDir, description);
 * t.resume(System.out);
 * t.train(System.out);          // checkpoints/, metrics.jsonl, loss.png, reconstructions/step-*.png
 * }</pre>
 */
public final class AutoencoderTrainer {
    /** What a finished {@link #train} did. */
    public record Result(long step, long skippedSteps, double lastLoss, Path lastCheckpoint) {
    }

    private interface Stage {
        /** The generator step's loss and its log; {@code recs[0]} receives the reconstructions. */
        Tensor generator(Tensor x, long step, Rng[] rng, Tensor[] recs, Map<String, Double> log);

        /** The discriminator step's loss. */
        Tensor discriminator(Tensor x, Tensor recs, long step, Map<String, Double> log);

        boolean discriminatorOn(long step);
    }

    /** The generator half of a {@link Stage}. */
    private interface Generator {
        Tensor loss(Tensor x, long step, Rng[] rng, Tensor[] recs, Map<String, Double> log);
    }

    /** The discriminator loss of both autoencoder losses. */
    private interface Discriminator {
        DiscriminatorOutput loss(Tensor x, Tensor recs, long step);
    }

    /** A stage whose discriminator is on from {@code discStart} when {@code discFactor > 0}. */
    private static Stage stage(Generator gen, Discriminator disc, double discFactor, long discStart) {
        return new Stage() {
            @Override
            public Tensor generator(Tensor x, long step, Rng[] rng, Tensor[] recs, Map<String, Double> log) {
                return gen.loss(x, step, rng, recs, log);
            }

            @Override
            public Tensor discriminator(Tensor x, Tensor recs, long step, Map<String, Double> log) {
                DiscriminatorOutput d = disc.loss(x, recs, step);
                log.putAll(d.log().toMap("train"));
                return d.loss();
            }

            @Override
            public boolean discriminatorOn(long step) {
                return discFactor > 0 && step >= discStart;
            }
        };
    }

    private static final String LOADER = "loader";
    private static final String PERCEPTUAL = "loss.perceptual_loss.";

    private final Module autoencoder;
    private final FirstStage firstStage;
    private final Module loss;
    private final Stage stage;
    private final Dataset data;
    private final AeTrainConfig config;
    private final RunDirectory run;
    private final Map<String, Object> description;
    private final Map<String, Tensor> genParams = new LinkedHashMap<>();
    private final Map<String, Tensor> discParams = new LinkedHashMap<>();
    private final AdamW genOpt;
    private final AdamW discOpt;
    private final Rng root;
    private final AeReplica replica;
    private final List<TrainGroup> groups;
    private StepRunner runner;
    private DataLoader loader;
    private long step;
    private long skipped;

    private AutoencoderTrainer(Module autoencoder, FirstStage firstStage, Module loss, Module discriminator,
            Stage stage, Dataset data, AeTrainConfig config, Path runDir, Map<String, Object> description) {
        if (data == null || config == null || runDir == null) {
            throw new IllegalArgumentException("data, config, runDir: expected all three, got a null");
        }
        if (!data.isUnbounded() && data.size() < 1) {
            throw new IllegalArgumentException("data: expected a dataset with examples, got an empty one");
        }
        this.autoencoder = autoencoder;
        this.firstStage = firstStage;
        this.loss = loss;
        this.stage = stage;
        this.data = data;
        this.config = config;
        this.description = new LinkedHashMap<>(description == null ? Map.of() : description);
        try {
            this.run = RunDirectory.open(runDir, config.keepLast());
        } catch (IOException e) {
            throw new UncheckedIOException("runDir: cannot create " + runDir + ": " + e.getMessage(), e);
        }
        autoencoder.train();
        loss.train();
        genParams.putAll(autoencoder.trainableParameters());
        discriminator.trainableParameters().forEach((k, v) -> discParams.put("loss.discriminator." + k, v));
        genOpt = AdamW.builder(genParams).lr(config.lr()).betas(AeTrainConfig.BETA1, AeTrainConfig.BETA2)
                .weightDecay(config.weightDecay()).build();
        discOpt = AdamW.builder(discParams).lr(config.lr()).betas(AeTrainConfig.BETA1, AeTrainConfig.BETA2)
                .weightDecay(config.weightDecay()).build();
        root = new Rng(config.seed());
        loader = DataLoader.shuffled(data, config.batchSize(), root.fork(1));
        replica = new AeReplica(stage, data, root, genParams, discParams, buffersOf(discriminator));
        groups = List.of(new TrainGroup("autoencoder", genParams, genOpt, 0, null, ""),
                new TrainGroup("discriminator", discParams, discOpt, 0, null, ""));
        runner = new LocalRunner(replica, groups);
    }

    /**
     * A trainer's generator and discriminator losses over slices of a global batch: example {@code j} of step
     * {@code s} draws its posterior sample from {@code Rng(seed).fork(2).fork(s).fork(j)}. Per-batch statistics
     * (the patch-GAN's BatchNorm, the adaptive GAN weight) are those of each slice, as under PyTorch's DDP in the
     * reference; before the discriminator starts, slices add up exactly to the whole batch.
     */
    private static final class AeReplica implements Replica {
        private final Stage stage;
        private final Dataset data;
        private final Rng root;
        private final Map<String, Tensor> gen;
        private final Map<String, Tensor> disc;

        private final Map<String, Tensor> buffers;

        AeReplica(Stage stage, Dataset data, Rng root, Map<String, Tensor> gen, Map<String, Tensor> disc,
                Map<String, Tensor> buffers) {
            this.stage = stage;
            this.data = data;
            this.root = root;
            this.gen = gen;
            this.disc = disc;
            this.buffers = buffers;
        }

        /** The discriminator's BatchNorm running statistics. */
        @Override
        public Map<String, Tensor> buffers() {
            return buffers;
        }

        @Override
        public List<Map<String, Tensor>> groups() {
            return List.of(gen, disc);
        }

        @Override
        public double[] sharedState() {
            return new double[0];
        }

        @Override
        public void setSharedState(double[] state) {
        }

        @Override
        @SuppressWarnings("try")
        public Slice accumulate(long step, int micro, long[] batch, int from, int to, double weight,
                boolean[] groupsOn) {
            int b = to - from;
            if (b <= 0 || !groupsOn[0]) {
                return Slice.zero(2);
            }
            Rng r = root.fork(2).fork(step).fork(micro);
            Rng[] ex = new Rng[b];
            for (int j = 0; j < b; j++) {
                ex[j] = r.fork(from + j);
            }
            double scale = b * weight;
            try (MemoryScope s = MemoryScope.open()) {
                Tensor x = Batches.of(data, java.util.Arrays.copyOfRange(batch, from, to)).images();
                Tensor[] recs = new Tensor[1];
                Map<String, Double> log = new LinkedHashMap<>();
                Tensor g = stage.generator(x, step, ex, recs, log);
                double gv = g.item() * scale;
                double dv = 0;
                if (Double.isFinite(gv)) {
                    Map<String, Tensor> discGrads = saveGrads(disc);
                    g.mul(scale).backward();
                    restoreGrads(disc, discGrads);
                    if (groupsOn[1]) {
                        Tensor d = stage.discriminator(x, recs[0].detach(), step, log);
                        dv = d.item() * scale;
                        if (Double.isFinite(dv)) {
                            d.mul(scale).backward();
                        }
                    }
                }
                Map<String, Double> weighted = new LinkedHashMap<>();
                log.forEach((k, v) -> weighted.put(k, v * scale));
                return new Slice(new double[] {gv, dv}, weighted);
            }
        }

        /** The discriminator's gradients so far (the generator loss must not add to them). */
        private static Map<String, Tensor> saveGrads(Map<String, Tensor> params) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            params.forEach((k, v) -> out.put(k, v.grad()));
            return out;
        }

        private static void restoreGrads(Map<String, Tensor> params, Map<String, Tensor> grads) {
            params.forEach((k, v) -> {
                Tensor g = grads.get(k);
                if (g == null) {
                    v.zeroGrad();
                } else {
                    v.setGrad(g);
                }
            });
        }
    }

    private static Map<String, Tensor> buffersOf(Module discriminator) {
        Map<String, Tensor> b = new LinkedHashMap<>();
        discriminator.namedBuffers().forEach((k, v) -> b.put("loss.discriminator." + k, v));
        return b;
    }

    /** This trainer's model as a replica (what each partition of a distributed run computes). */
    public Replica replica() {
        return replica;
    }

    /** The optimizer groups: the autoencoder (generator), then the discriminator. */
    public List<TrainGroup> groups() {
        return groups;
    }

    /** Runs the coming steps with {@code runner} instead of in this process (it receives the current state). */
    public void setRunner(StepRunner runner) {
        this.runner = StepRunner.handOver(this.runner, runner);
    }

    public StepRunner runner() {
        return runner;
    }

    /** A trainer of a KL autoencoder. */
    public static AutoencoderTrainer kl(AutoencoderKL ae, AutoencoderLoss loss, Dataset data, AeTrainConfig config,
            Path runDir, Map<String, Object> description) {
        if (ae == null || loss == null) {
            throw new IllegalArgumentException("ae, loss: expected an AutoencoderKL and its AutoencoderLoss, got null");
        }
        return new AutoencoderTrainer(ae, ae, loss, loss.discriminator(), klStage(ae, loss), data, config, runDir,
                description);
    }

    private static Stage klStage(AutoencoderKL ae, AutoencoderLoss loss) {
        return stage((x, step, rng, recs, log) -> {
            AutoencoderKL.Output out = ae.forward(x, rng);
            recs[0] = out.reconstruction();
            GeneratorOutput<KlLossLog> g = loss.generatorLoss(x, out.reconstruction(), out.posterior().kl(), step,
                    ae.lastLayerWeight());
            log.putAll(g.log().toMap("train"));
            return g.loss();
        }, loss::discriminatorLoss, loss.config().discFactor(), loss.config().discStart());
    }

    /**
     * The replica of {@link #kl}'s trainer without a trainer (no run directory): what an executor of a
     * distributed run builds.
     */
    public static Replica klReplica(AutoencoderKL ae, AutoencoderLoss loss, Dataset data, AeTrainConfig config) {
        return replica(ae, loss, loss.discriminator(), klStage(ae, loss), data, config);
    }

    /** As {@link #klReplica} for a VQ autoencoder. */
    public static Replica vqReplica(VQModel ae, VqAutoencoderLoss loss, Dataset data, AeTrainConfig config) {
        return replica(ae, loss, loss.discriminator(), vqStage(ae, loss), data, config);
    }

    private static Replica replica(Module ae, Module loss, Module discriminator, Stage stage, Dataset data,
            AeTrainConfig config) {
        ae.train();
        loss.train();
        Map<String, Tensor> gen = new LinkedHashMap<>(ae.trainableParameters());
        Map<String, Tensor> disc = new LinkedHashMap<>();
        discriminator.trainableParameters().forEach((k, v) -> disc.put("loss.discriminator." + k, v));
        return new AeReplica(stage, data, new Rng(config.seed()), gen, disc, buffersOf(discriminator));
    }

    /** A trainer of a VQ autoencoder. */
    public static AutoencoderTrainer vq(VQModel ae, VqAutoencoderLoss loss, Dataset data, AeTrainConfig config,
            Path runDir, Map<String, Object> description) {
        if (ae == null || loss == null) {
            throw new IllegalArgumentException("ae, loss: expected a VQModel and its VqAutoencoderLoss, got null");
        }
        return new AutoencoderTrainer(ae, ae, loss, loss.discriminator(), vqStage(ae, loss), data, config, runDir,
                description);
    }

    private static Stage vqStage(VQModel ae, VqAutoencoderLoss loss) {
        return stage((x, step, rng, recs, log) -> {
            VQModel.Output out = ae.forward(x);
            recs[0] = out.reconstruction();
            GeneratorOutput<VqLossLog> g = loss.generatorLoss(out.codebookLoss(), x, out.reconstruction(), step,
                    ae.lastLayerWeight());
            log.putAll(g.log().toMap("train"));
            return g.loss();
        }, loss::discriminatorLoss, loss.config().discFactor(), loss.config().discStart());
    }

    public long step() {
        return step;
    }

    public RunDirectory runDirectory() {
        return run;
    }

    /** Continues from the run directory's last readable checkpoint, if any; returns its step. */
    public Optional<Long> resume(PrintStream out) {
        Optional<Checkpoint> last = run.latest(out, Checkpoint.MODEL, Checkpoint.OPTIMIZER, Checkpoint.OPTIMIZER_DISC);
        if (last.isEmpty()) {
            return Optional.empty();
        }
        Checkpoint c = last.get();
        Map<String, Tensor> own = new LinkedHashMap<>();
        Map<String, Tensor> lossState = new LinkedHashMap<>();
        c.group(Checkpoint.MODEL).forEach((k, v) -> {
            if (k.startsWith("loss.")) {
                lossState.put(k.substring("loss.".length()), v);
            } else {
                own.put(k, v);
            }
        });
        autoencoder.load(own, true);
        LoadReport report = loss.load(lossState, false);
        for (String k : report.missingKeys()) {
            if (!k.startsWith("perceptual_loss.")) {
                throw new IllegalStateException("checkpoint: expected loss." + k + " in the checkpoint of step "
                        + c.step() + ", found none");
            }
        }
        genOpt.loadStateDict(c.group(Checkpoint.OPTIMIZER));
        discOpt.loadStateDict(c.group(Checkpoint.OPTIMIZER_DISC));
        loader = DataLoader.resume(data, config.batchSize(), c.state(LOADER));
        step = c.step();
        skipped = Long.parseLong(c.metadata().getOrDefault("ldm4j.skipped_steps", "0"));
        runner.push();
        return Optional.of(step);
    }

    /** Trains to {@code config.steps()}. */
    public Result train(PrintStream out) {
        return train(out, config.steps());
    }

    /** Trains from the current step up to {@code stopAt} (at most {@code config.steps()}). */
    public Result train(PrintStream out, long stopAt) {
        long end = Math.min(stopAt, config.steps());
        Progress progress = run.progress("train-autoencoder", config.steps(), step, out);
        double last = Double.NaN;
        Path lastCheckpoint = null;
        while (step < end) {
            Map<String, Double> log = new LinkedHashMap<>();
            double value = trainStep(log);
            if (Double.isFinite(value)) {
                last = value;
            } else {
                skipped++;
                out.println("train-autoencoder: step " + step + ": non-finite loss or gradient (" + value
                        + "), step skipped; no weights changed (" + skipped + " skipped so far)");
            }
            step++;
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", value);
            m.putAll(log);
            progress.update(step, Map.of("loss", value));
            if (step % config.logEvery() == 0 || step == end) {
                run.logMetrics(step, m);
            }
            if (config.imageEvery() > 0 && step % config.imageEvery() == 0) {
                writeReconstructions(run.imageFile("reconstructions", step));
            }
            if ((config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) || step == end) {
                lastCheckpoint = checkpoint();
                run.writeLossCurve("autoencoder loss");
            }
        }
        progress.finish();
        if (config.imageEvery() == 0 || end % config.imageEvery() != 0) {
            writeReconstructions(run.imageFile("reconstructions", step));
        }
        return new Result(step, skipped, last, lastCheckpoint);
    }

    private double trainStep(Map<String, Double> log) {
        long[][] batches = {loader.nextIndices()};
        StepRunner.Outcome o = runner.step(step, batches, new boolean[] {true, stage.discriminatorOn(step)});
        log.putAll(o.log());
        if (o.stepped()) {
            return o.losses()[0];
        }
        return Double.isFinite(o.losses()[0]) ? o.norms()[0] : o.losses()[0];
    }

    /** Writes a checkpoint of the current state and returns its file. */
    public Path checkpoint() {
        runner.pull();
        Map<String, Tensor> model = new LinkedHashMap<>(autoencoder.stateDict());
        loss.stateDict().forEach((k, v) -> {
            if (!("loss." + k).startsWith(PERCEPTUAL)) {
                model.put("loss." + k, v);
            }
        });
        Map<String, Object> cfg = new LinkedHashMap<>(description);
        cfg.put("train", RecordJson.toMap(config));
        Checkpoint c = Checkpoint.builder(step).model(model).optimizer(Checkpoint.OPTIMIZER, genOpt.stateDict())
                .optimizer(Checkpoint.OPTIMIZER_DISC, discOpt.stateDict()).state(LOADER, loader.state())
                .state("seed", new long[] {config.seed()}).config(Json.write(cfg))
                .metadata("ldm4j.kind", "autoencoder").metadata("ldm4j.skipped_steps", Long.toString(skipped))
                .build();
        return run.save(c);
    }

    /** A grid of inputs (odd rows) over their reconstructions (even rows) of the first 8 examples. */
    @SuppressWarnings("try")
    public void writeReconstructions(Path file) {
        runner.pull();
        boolean wasTraining = autoencoder.isTraining();
        autoencoder.eval();
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            int n = (int) Math.min(8, data.size());
            Tensor x = Batches.range(data, 0, n).images();
            Tensor rec = firstStage.decode(firstStage.encodeToLatent(x)).clamp(-1, 1);
            Images.writeGrid(ShapeOps.concat(0, x, rec), n, Images.DEFAULT_PADDING, file);
        } catch (IOException e) {
            throw new UncheckedIOException("reconstructions: cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            autoencoder.train(wasTraining);
        }
    }
}
