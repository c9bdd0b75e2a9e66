package org.ldm4j.training;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.ldm4j.training.checkpoint.Checkpoint;
import org.ldm4j.training.checkpoint.CheckpointStore;
import org.ldm4j.training.report.LossCurve;
import org.ldm4j.training.report.MetricsLog;
import org.ldm4j.training.report.Progress;

/**
 * A training run's directory: {@code checkpoints/} (the last k, written atomically), {@code metrics.jsonl} (one
 * JSON record per logged step, cut back to the checkpoint's step on resume), {@code loss.png} (the loss curve)
 * and image folders ({@code samples/}, {@code reconstructions/}) with one PNG per step.
 *
 * <pre>{@code
 * RunDirectory run = RunDirectory.open(Path.of("runs/ldm"), 3);
 * run.logMetrics(100, Map.of("loss", 0.08));
 * Path png = run.imageFile("samples", 100);          // runs/ldm/samples/step-000000100.png
 * }</pre>
 */
public final class RunDirectory {
    /** The checkpoints' folder in a run directory. */
    public static final String CHECKPOINTS = "checkpoints";

    private final Path dir;
    private final CheckpointStore store;
    private MetricsLog metrics;
    private long resumeStep;

    private RunDirectory(Path dir, CheckpointStore store) {
        this.dir = dir;
        this.store = store;
    }

    /** Opens (creating it if needed) the run directory {@code dir} that keeps {@code keepLast} checkpoints. */
    public static RunDirectory open(Path dir, int keepLast) throws IOException {
        if (dir == null) {
            throw new IllegalArgumentException("dir: expected a run directory, got null");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("run directory " + dir + ": expected a directory, found a file");
        }
        Files.createDirectories(dir);
        return new RunDirectory(dir, CheckpointStore.open(dir.resolve(CHECKPOINTS), keepLast));
    }

    public Path dir() {
        return dir;
    }

    public CheckpointStore checkpoints() {
        return store;
    }

    /** Whether the run directory already holds checkpoints (a run to resume, or to leave alone). */
    public boolean hasCheckpoints() {
        try {
            return !store.list().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoints: cannot list " + store.dir() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The last readable checkpoint holding {@code groups}, reporting on {@code out} each newer file it passes
     * over (damaged, incomplete), or empty when there is none.
     */
    public Optional<Checkpoint> latest(PrintStream out, String... groups) {
        try {
            Optional<CheckpointStore.Loaded> l = store.latest(
                    s -> out.println("resume: skipping " + s.file() + ": " + s.reason()), groups);
            l.ifPresent(x -> {
                resumeStep = x.checkpoint().step();
                out.println("resume: continuing from " + x.file() + " (step " + x.checkpoint().step() + ")");
            });
            return l.map(CheckpointStore.Loaded::checkpoint);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoints: cannot read " + store.dir() + ": " + e.getMessage(), e);
        }
    }

    /** Saves a checkpoint (temporary file, then an atomic rename; older ones beyond the last k are removed). */
    public Path save(Checkpoint c) {
        try {
            return store.save(c);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint: cannot write step " + c.step() + " to " + store.dir() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Appends one metrics record of {@code step}. */
    public void logMetrics(long step, Map<String, Double> values) {
        try {
            if (metrics == null) {
                metrics = MetricsLog.resume(metricsFile(), resumeStep + 1);
            }
            metrics.log(step, values);
        } catch (IOException e) {
            throw new UncheckedIOException("metrics: cannot write " + metricsFile() + ": " + e.getMessage(), e);
        }
    }

    public Path metricsFile() {
        return dir.resolve(MetricsLog.FILE_NAME);
    }

    /** A progress reporter for {@code total} steps starting at {@code start}. */
    public Progress progress(String task, long total, long start, PrintStream out) {
        return Progress.start(task, total, start, out);
    }

    /** {@code dir/kind/step-000000100.png}, its folder created. */
    public Path imageFile(String kind, long step) {
        Path folder = dir.resolve(kind);
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("images: cannot create " + folder + ": " + e.getMessage(), e);
        }
        return folder.resolve(String.format("step-%09d.png", step));
    }

    /** {@code dir/loss.png}. */
    public Path lossCurveFile() {
        return dir.resolve("loss.png");
    }

    /** Redraws the loss curve from the metrics written so far (nothing before the first record). */
    public void writeLossCurve(String title) {
        if (!Files.exists(metricsFile())) {
            return;
        }
        try {
            LossCurve.fromMetrics(MetricsLog.read(metricsFile()), "loss").title(title).write(lossCurveFile());
        } catch (IOException e) {
            throw new UncheckedIOException("loss curve: cannot write " + lossCurveFile() + ": " + e.getMessage(), e);
        }
    }
}
