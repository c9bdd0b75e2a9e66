package org.ldm4j.training;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.optim.AdamW;
import org.ldm4j.core.optim.LrSchedule;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.DiffusionLoss;
import org.ldm4j.training.checkpoint.Checkpoint;
import org.ldm4j.training.data.Batch;
import org.ldm4j.training.data.Batches;
import org.ldm4j.training.data.DataLoader;
import org.ldm4j.training.data.Dataset;
import org.ldm4j.training.data.LatentDataset;
import org.ldm4j.training.distributed.LocalRunner;
import org.ldm4j.training.distributed.StepRunner;
import org.ldm4j.training.distributed.TrainGroup;
import org.ldm4j.training.image.Images;
import org.ldm4j.training.models.CondStage;
import org.ldm4j.training.models.Conditions;
import org.ldm4j.training.models.LatentDiffusion;
import org.ldm4j.training.report.Progress;

/**
 * Trains the diffusion model of a {@link LatentDiffusion} in the latent space of its frozen first stage
 * (Rombach et al. 2022, Sec. 3.2): every step draws a shuffled batch, encodes it (or reads cached latents),
 * replaces conditions by the unconditional input with probability {@code condDropout}, computes the diffusion
 * loss at random timesteps, and takes one AdamW step over the U-Net and a trainable conditioning encoder, with
 * gradient accumulation, clipping and learning-rate warm-up, then updates the EMA of the U-Net.
 *
 * <p>Determinism: every random draw of step s comes from streams forked from the run's seed by s, and the data
 * loader's position is part of the checkpoint, so a run resumed from a checkpoint (after any interruption, kill
 * -9 included) ends with the same weights as the uninterrupted run on the same machine. A step whose loss or
 * gradient norm is not finite is reported and skipped: no weight, optimizer moment or EMA changes.
 *
 * <p>The run directory receives {@code checkpoints/step-*.safetensors}, {@code metrics.jsonl},
 * {@code loss.png} and {@code samples/step-*.png} (grids from the EMA weights, one row per condition).
 *
 * <pre>{@code
 * LatentDiffusionTrainer t = new LatentDiffusionTrainer(ldm, loss, shapes, null, config, runDir, modelJson);
 * t.resume();                      // from runDir's last checkpoint, if any
 * Result r = t.train(System.out);
 * }</pre>
 */
public final class LatentDiffusionTrainer {
    /** What a finished {@link #train} did. */
    public record Result(long step, long skippedSteps, double lastLoss, Path lastCheckpoint) {
    }

    private static final String LOADER = "loader";

    private final LatentDiffusion ldm;
    private final Dataset data;
    private final LatentDataset cache;
    private final LdmTrainConfig config;
    private final RunDirectory run;
    private final Map<String, Object> modelDescription;
    private final LdmReplica replica;
    private final AdamW optimizer;
    private final Ema ema;
    private final TrainGroup group;
    private final LrSchedule schedule;
    private final Rng root;
    private StepRunner runner;
    private DataLoader loader;
    private long step;
    private long skipped;
    private boolean scaleKnown;

    /**
     * @param ldm              the model; its U-Net, trainable conditioning encoder and learned log-variance train
     * @param loss             the diffusion loss (schedule, prediction, loss type)
     * @param data             the training images with their conditions
     * @param cache            cached latents of {@code data} (null: encode every batch)
     * @param config           the training settings
     * @param runDir           where checkpoints, metrics and images go
     * @param modelDescription how to rebuild the model (stored in every checkpoint's config), JSON-ready
     */
    public LatentDiffusionTrainer(LatentDiffusion ldm, DiffusionLoss loss, Dataset data, LatentDataset cache,
            LdmTrainConfig config, Path runDir, Map<String, Object> modelDescription) {
        if (ldm == null || loss == null || data == null || config == null || runDir == null) {
            throw new IllegalArgumentException("ldm, loss, data, config, runDir: expected all, got a null");
        }
        if (!data.isUnbounded() && data.size() < 1) {
            throw new IllegalArgumentException("data: expected a dataset with examples, got an empty one");
        }
        if (cache != null && cache.size() != data.size()) {
            throw new IllegalArgumentException("cache: expected the latents of the " + data.size()
                    + " training examples, got " + cache.size());
        }
        this.ldm = ldm;
        this.data = data;
        this.cache = cache;
        this.config = config;
        this.modelDescription = new LinkedHashMap<>(modelDescription == null ? Map.of() : modelDescription);
        try {
            this.run = RunDirectory.open(runDir, config.keepLast());
        } catch (IOException e) {
            throw new UncheckedIOException("runDir: cannot create " + runDir + ": " + e.getMessage(), e);
        }
        this.replica = new LdmReplica(ldm, loss, data, cache, config);
        Map<String, Tensor> params = replica.parameters();
        this.optimizer = AdamW.builder(params).lr(config.lr()).weightDecay(config.weightDecay()).build();
        this.ema = config.emaDecay() > 0 ? new Ema(ldm.wrapper(), "", config.emaDecay(), true) : null;
        this.group = new TrainGroup("ldm", params, optimizer, config.gradClip(), ema, "model.");
        this.runner = new LocalRunner(replica, List.of(group));
        this.schedule = LrSchedule.linearWarmup(config.lr(), config.warmupSteps());
        this.root = new Rng(config.seed());
        this.loader = DataLoader.shuffled(data, config.batchSize(), root.fork(1));
        this.scaleKnown = !Double.isNaN(config.scaleFactor());
        if (scaleKnown) {
            ldm.setScaleFactor(config.scaleFactor());
        }
    }

    /** This trainer's model as a replica (what each partition of a distributed run computes). */
    public LdmReplica replica() {
        return replica;
    }

    /** The optimizer groups (one: the U-Net, a trainable encoder and logvar, with the EMA of the U-Net). */
    public List<TrainGroup> groups() {
        return List.of(group);
    }

    /**
     * Runs the coming steps with {@code runner} (e.g. a {@link org.ldm4j.training.distributed.SparkRunner} over
     * {@link #replica()} and {@link #groups()}) instead of in this process; the runner receives the current state.
     */
    public void setRunner(StepRunner runner) {
        this.runner = StepRunner.handOver(this.runner, runner);
    }

    public StepRunner runner() {
        return runner;
    }

    /** The optimizer step the next {@link #train} call starts from. */
    public long step() {
        return step;
    }

    public LatentDiffusion model() {
        return ldm;
    }

    public Ema ema() {
        return ema;
    }

    public RunDirectory runDirectory() {
        return run;
    }

    /**
     * Continues from the run directory's last readable checkpoint, if there is one (damaged newer files are
     * reported on {@code out} and passed over). Returns the step it resumed from, or empty for a fresh start.
     */
    public Optional<Long> resume(PrintStream out) {
        Optional<Checkpoint> last = run.latest(out, Checkpoint.MODEL, Checkpoint.OPTIMIZER);
        if (last.isEmpty()) {
            return Optional.empty();
        }
        Checkpoint c = last.get();
        ldm.load(c.group(Checkpoint.MODEL), true);
        if (ema != null) {
            if (!c.hasGroup(Checkpoint.EMA)) {
                throw new IllegalStateException("checkpoint: expected EMA weights (the run uses an EMA), found none in "
                        + "the checkpoint of step " + c.step());
            }
            ema.load(c.group(Checkpoint.EMA), true);
        }
        optimizer.loadStateDict(c.group(Checkpoint.OPTIMIZER));
        loader = DataLoader.resume(data, config.batchSize(), c.state(LOADER));
        step = c.step();
        skipped = Long.parseLong(c.metadata().getOrDefault("ldm4j.skipped_steps", "0"));
        scaleKnown = true;
        runner.push();
        return Optional.of(step);
    }

    /** Trains up to {@code config.steps()} (or stops early at {@code stopAt}), reporting progress on {@code out}. */
    public Result train(PrintStream out) {
        return train(out, config.steps());
    }

    /**
     * Trains from the current step up to step {@code stopAt} (at most {@code config.steps()}), checkpointing at
     * the configured interval and at the end.
     */
    public Result train(PrintStream out, long stopAt) {
        long end = Math.min(stopAt, config.steps());
        if (!scaleKnown) {
            fixScaleFactor(out);
        }
        Progress progress = run.progress("train-ldm", config.steps(), step, out);
        double last = Double.NaN;
        Path lastCheckpoint = null;
        while (step < end) {
            double value = trainStep();
            if (Double.isFinite(value)) {
                last = value;
            } else {
                skipped++;
                out.println("train-ldm: step " + step + ": non-finite loss or gradient (" + value + "), step skipped;"
                        + " no weights changed (" + skipped + " skipped so far)");
            }
            step++;
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", value);
            m.put("lr", optimizer.lr());
            progress.update(step, m);
            if (step % config.logEvery() == 0 || step == end) {
                run.logMetrics(step, m);
            }
            if (config.sampleEvery() > 0 && step % config.sampleEvery() == 0) {
                writeSamples(run.imageFile("samples", step));
            }
            if ((config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) || step == end) {
                lastCheckpoint = checkpoint();
                run.writeLossCurve("latent diffusion loss");
            }
        }
        progress.finish();
        return new Result(step, skipped, last, lastCheckpoint);
    }

    /** One optimizer step over {@code accumulate} micro-batches; returns the mean loss (non-finite: skipped). */
    private double trainStep() {
        optimizer.setLr(schedule.lr(step));
        long[][] batches = new long[config.accumulate()][];
        for (int m = 0; m < batches.length; m++) {
            batches[m] = loader.nextIndices();
        }
        StepRunner.Outcome o = runner.step(step, batches, new boolean[] {true});
        if (o.stepped()) {
            return o.losses()[0];
        }
        return Double.isFinite(o.losses()[0]) ? o.norms()[0] : o.losses()[0];
    }

    /** The paper's rescaling: scale = 1 / std of the first batch's latents (the reference's scale_by_std). */
    @SuppressWarnings("try")
    private void fixScaleFactor(PrintStream out) {
        ldm.setScaleFactor(1.0);
        DataLoader first = DataLoader.shuffled(data, config.batchSize(), root.fork(1));
        try (MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor z = replica.latents(first.nextIndices(), root.fork(3));
            double[] v = z.toDoubleArray();
            double mean = 0;
            for (double x : v) {
                mean += x;
            }
            mean /= v.length;
            double ss = 0;
            for (double x : v) {
                ss += (x - mean) * (x - mean);
            }
            double std = Math.sqrt(ss / Math.max(1, v.length - 1));
            if (!(std > 0) || !Double.isFinite(std)) {
                throw new IllegalStateException("scale factor: the first batch's latents have standard deviation "
                        + std + "; give a scale factor instead");
            }
            ldm.setScaleFactor(1.0 / std);
        }
        scaleKnown = true;
        out.printf("train-ldm: latent scale factor %.5f (1 / std of the first batch's latents)%n", ldm.scaleFactor());
    }

    /** Writes a checkpoint of the current state and returns its file. */
    public Path checkpoint() {
        runner.pull();
        Map<String, Object> cfg = new LinkedHashMap<>(modelDescription);
        cfg.put("train", RecordJson.toMap(config));
        cfg.put("scale_factor", ldm.scaleFactor());
        Checkpoint.Builder b = Checkpoint.builder(step).model(ldm.stateDict())
                .optimizer(Checkpoint.OPTIMIZER, optimizer.stateDict()).state(LOADER, loader.state())
                .state("seed", new long[] {config.seed()}).config(Json.write(cfg))
                .metadata("ldm4j.kind", "latent-diffusion").metadata("ldm4j.skipped_steps", Long.toString(skipped));
        if (ema != null) {
            b.ema(ema.state());
        }
        return run.save(b.build());
    }

    /**
     * The conditions of a sample grid: every class (CLASS), the captions or layouts of the first examples
     * (TEXT, LAYOUT), or nothing (NONE), at most {@code rows}.
     */
    public Conditions gridConditions(int rows) {
        CondStage.Kind kind = ldm.cond().kind();
        if (kind == CondStage.Kind.CLASS) {
            int n = Math.min(rows, ldm.cond().spec().classes());
            long[] labels = new long[n];
            for (int i = 0; i < n; i++) {
                labels[i] = i;
            }
            return Conditions.classes(labels);
        }
        int n = (int) Math.min(rows, data.size());
        Batch b = Batches.range(data, 0, n);
        return Conditions.of(b);
    }

    /** Samples a grid from the EMA weights (4 per condition) with DDIM and guidance into {@code file}. */
    @SuppressWarnings("try")
    public void writeSamples(Path file) {
        runner.pull();
        Conditions c = gridConditions(8).repeatEach(4);
        boolean wasTraining = ldm.isTraining();
        ldm.eval();
        try (Ema.Swap swap = ema != null ? ema.swapIn() : null;
                MemoryScope s = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
            Tensor images = sample(c, config.sampleSteps(), config.guidance(), config.seed() + step);
            Images.writeGrid(images, 4, Images.DEFAULT_PADDING, file);
        } catch (IOException e) {
            throw new UncheckedIOException("samples: cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            ldm.train(wasTraining);
        }
    }

    /** Images [n, 3, H, W] for the conditions with the current weights. */
    public Tensor sample(Conditions c, int steps, double guidance, long seed) {
        return sample(ldm, data.height(), data.width(), c, steps, guidance, seed);
    }

    /** Images [n, 3, H, W] from {@code ldm} for the conditions: DDIM (eta 0) with classifier-free guidance. */
    public static Tensor sample(LatentDiffusion ldm, int height, int width, Conditions c, int steps, double guidance,
            long seed) {
        return Sampling.run(ldm, height, width, Sampling.Request.of(c, Sampling.Name.DDIM, steps, guidance, seed), null);
    }
}
