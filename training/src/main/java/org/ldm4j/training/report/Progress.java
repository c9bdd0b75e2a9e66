package org.ldm4j.training.report;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A progress reporter for long work on a terminal or a log: one line per interval (1 s by default, and always
 * on the last step) with the step, the metrics, a smoothed rate and the time left, then a summary line.
 *
 * <pre>{@code
 * Progress p = Progress.start("train-ldm", 2000, resumedStep, System.out);
 * for (long step = resumedStep + 1; step <= 2000; step++) {
 *     ...
 *     p.update(step, Map.of("loss", loss, "lr", lr));
 *     // train-ldm  step 120/2000 (6%)  loss 0.0812  lr 1.0e-04  2.31 it/s  ETA 13m34s
 * }
 * p.finish();
 * // train-ldm  finished at step 2000/2000: 2000 steps in 14m26s, 2.31 it/s
 * }</pre>
 *
 * <p>{@code step} counts steps done: step {@code total} is the last. The rate and the time left count only steps
 * done since {@link #start} (a resumed run starts at {@code startStep > 0}): the rate is an exponential moving
 * average, weight {@value #SMOOTHING} on the newest interval, of steps over time between printed lines (as tqdm
 * does), so it follows changes within seconds but does not jump with each step. Metrics are printed in the map's
 * iteration order (a {@code LinkedHashMap} fixes it) in 4 significant digits, scientific below 1e-3.
 *
 * <p>When {@code out} is {@code System.out} and the process has a console, the line is redrawn in place with a
 * carriage return; otherwise (a file, a pipe, a test) each update prints a plain line. Not thread-safe: call it
 * from the loop it reports on.
 */
public final class Progress {
    /** How often {@link #update} prints by default. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    /** Weight of the newest interval in the smoothed rate (tqdm's default). */
    static final double SMOOTHING = 0.3;

    private final String task;
    private final long total;
    private final long startStep;
    private final PrintStream out;
    private final long intervalNanos;
    private final LongSupplier clock;
    private final boolean redraw;
    private final long startNanos;

    private long step;
    private long printedStep;
    private long printedNanos;
    private double emaSteps;
    private double emaNanos;
    private int openLineLength = -1;    // length of the line being redrawn, -1 if none is open
    private boolean finished;

    Progress(String task, long total, long startStep, PrintStream out, Duration interval, LongSupplier nanoClock,
            boolean redraw) {
        this.task = Objects.requireNonNull(task, "task");
        this.out = Objects.requireNonNull(out, "out");
        Objects.requireNonNull(interval, "interval");
        this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
        if (total < 1) {
            throw new IllegalArgumentException("total: expected a positive number of steps, got " + total);
        }
        if (startStep < 0 || startStep > total) {
            throw new IllegalArgumentException("startStep: expected 0 (a new run) to total = " + total
                    + " (a resumed run), got " + startStep);
        }
        if (interval.isNegative()) {
            throw new IllegalArgumentException("interval: expected a duration of zero or more, got " + interval);
        }
        this.total = total;
        this.startStep = startStep;
        this.intervalNanos = interval.toNanos();
        this.redraw = redraw;
        this.startNanos = clock.getAsLong();
        this.step = startStep;
        this.printedStep = startStep;
        this.printedNanos = startNanos;
    }

    /**
     * Starts reporting on {@code total} steps, of which {@code startStep} were done before (0 for a new run), at most
     * once a second, timed by {@link System#nanoTime}.
     */
    public static Progress start(String task, long total, long startStep, PrintStream out) {
        return start(task, total, startStep, out, DEFAULT_INTERVAL, System::nanoTime);
    }

    /**
     * As {@link #start(String, long, long, PrintStream)}, printing at most once per {@code interval} (zero: on every
     * update) by the nanosecond clock {@code nanoClock} (a fake one in tests).
     */
    public static Progress start(String task, long total, long startStep, PrintStream out, Duration interval,
            LongSupplier nanoClock) {
        boolean terminal = out == System.out && System.console() != null;
        return new Progress(task, total, startStep, out, interval, nanoClock, terminal);
    }

    /**
     * Records that {@code step} steps are done, and prints a line if {@code interval} has passed since the last one
     * or this is the last step.
     *
     * @param step steps done, from the previous update's step to {@code total}
     * @param metrics values to show, e.g. {@code loss} and {@code lr}; may be empty
     * @throws IllegalStateException after {@link #finish}
     */
    public void update(long step, Map<String, Double> metrics) {
        if (finished) {
            throw new IllegalStateException("update() after finish(): start a new Progress for more work");
        }
        Objects.requireNonNull(metrics, "metrics");
        if (step < this.step || step > total) {
            throw new IllegalArgumentException("step: expected " + this.step + " (the previous step) to " + total
                    + " (the total), got " + step);
        }
        metrics.forEach((name, value) -> {
            if (name == null || value == null) {
                throw new IllegalArgumentException("metrics: expected names and values, got " + name + " = " + value);
            }
        });
        this.step = step;
        long now = clock.getAsLong();
        boolean last = step == total && printedStep < total;
        if (!last && now - printedNanos < intervalNanos) {
            return;
        }
        long dn = step - printedStep;
        long dt = now - printedNanos;
        if (dt > 0) {
            // EMA of steps and of time since the last line; their ratio is the smoothed rate (bias terms cancel)
            emaSteps = SMOOTHING * dn + (1 - SMOOTHING) * emaSteps;
            emaNanos = SMOOTHING * dt + (1 - SMOOTHING) * emaNanos;
        }
        printedStep = step;
        printedNanos = now;
        StringBuilder line = new StringBuilder(task).append("  step ").append(step).append('/').append(total)
                .append(" (").append((long) Math.floor(100.0 * step / total)).append("%)");
        metrics.forEach((name, value) -> line.append("  ").append(name).append(' ').append(Format.number(value)));
        double rate = rate();
        line.append("  ").append(Format.rate(rate)).append("  ETA ").append(Format.duration((total - step) / rate));
        emit(line.toString());
    }

    /** The smoothed rate in steps per second, NaN before the first printed line or while no step was done. */
    double rate() {
        return emaNanos > 0 && emaSteps > 0 ? emaSteps / emaNanos * 1e9 : Double.NaN;
    }

    /**
     * Prints the summary: the step reached, the steps done since {@link #start}, the time taken and their mean rate,
     * e.g. {@code train-ldm  finished at step 2000/2000: 1500 steps in 10m00s, 2.50 it/s} ({@code stopped at} if
     * the last step was not reached). A second call does nothing, so that it can sit in a {@code finally} block.
     */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        double seconds = (clock.getAsLong() - startNanos) / 1e9;
        long done = step - startStep;
        String line = task + "  " + (step == total ? "finished" : "stopped") + " at step " + step + "/" + total
                + ": " + done + (done == 1 ? " step" : " steps") + " in " + Format.duration(seconds) + ", "
                + Format.rate(done / seconds);
        if (openLineLength >= 0) {
            out.println();
            openLineLength = -1;
        }
        out.println(line);
        out.flush();
    }

    private void emit(String line) {
        if (redraw) {
            // overwrite the previous line, blanking what is left of it if it was longer
            out.print("\r" + line + " ".repeat(Math.max(0, openLineLength - line.length())));
            openLineLength = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }
}
