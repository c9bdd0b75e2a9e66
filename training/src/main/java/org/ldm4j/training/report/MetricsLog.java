package org.ldm4j.training.report;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.ldm4j.core.io.Json;

/**
 * A training run's metrics as a JSON-lines file ({@value #FILE_NAME}), one object per logged step, written through
 * to the operating system line by line so that a killed run loses nothing it logged:
 *
 * <pre>{"step":120,"time":41.252,"loss":0.0812,"lr":1.0E-4}</pre>
 *
 * <p>{@code time} is seconds of the run since it started, continued across resumes from the last kept line (the
 * time between that line and a crash is not counted), to the millisecond. NaN and infinite values, which JSON
 * cannot represent, are written as {@code null} (as {@link Json} writes them, and as pandas and other JSON readers
 * read back into NaN), and {@link #read} returns them as NaN: a diverged loss stays visible without making the file
 * invalid JSON.
 *
 * <pre>{@code
 * try (MetricsLog log = resumed ? MetricsLog.resume(dir.resolve(MetricsLog.FILE_NAME), step)
 *                               : MetricsLog.create(dir.resolve(MetricsLog.FILE_NAME))) {
 *     log.log(step, Map.of("loss", loss, "lr", lr));
 * }
 * List<MetricsLog.Entry> entries = MetricsLog.read(dir.resolve(MetricsLog.FILE_NAME));
 * LossCurve.fromMetrics(entries, "loss").title("loss").write(dir.resolve("loss.png"));
 * }</pre>
 *
 * <p>A line that does not parse is an error ({@link IOException} naming the file and line), except the last one:
 * a run killed while writing it leaves it cut short, and readers drop it. Not thread-safe.
 */
public final class MetricsLog implements Closeable {
    /** The usual name of the file in a run directory. */
    public static final String FILE_NAME = "metrics.jsonl";

    /**
     * One line of the log: the step, seconds since the run started, and the metrics in file order (NaN where the
     * file has {@code null}).
     */
    public record Entry(long step, double time, Map<String, Double> metrics) {
        public Entry {
            metrics = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(metrics, "metrics")));
        }
    }

    private final Path file;
    private final BufferedWriter writer;
    private final LongSupplier clock;
    private final long startNanos;
    private final double timeOffset;
    private long lastStep;
    private boolean closed;

    private MetricsLog(Path file, BufferedWriter writer, LongSupplier clock, double timeOffset, long lastStep) {
        this.file = file;
        this.writer = writer;
        this.clock = clock;
        this.startNanos = clock.getAsLong();
        this.timeOffset = timeOffset;
        this.lastStep = lastStep;
    }

    /** Starts a new log at {@code file}, replacing any file there; creates its directory if needed. */
    public static MetricsLog create(Path file) throws IOException {
        return create(file, System::nanoTime);
    }

    static MetricsLog create(Path file, LongSupplier nanoClock) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(nanoClock, "nanoClock");
        createParent(file);
        return new MetricsLog(file, open(file, StandardOpenOption.TRUNCATE_EXISTING), nanoClock, 0, 0);
    }

    /**
     * Continues the log at {@code file} for a run resumed at {@code resumeStep}: keeps the lines of earlier steps,
     * drops those of {@code resumeStep} and later (the crashed run logged them after its last checkpoint, and the
     * resumed run logs them again) and a last line cut short by a kill, then appends. Starts a new log if there is
     * no file.
     *
     * @param resumeStep the first step the resumed run will log; later {@link #log} calls need a step at least this
     * @throws IOException if the file cannot be read or rewritten, or a line before the last does not parse
     */
    public static MetricsLog resume(Path file, long resumeStep) throws IOException {
        return resume(file, resumeStep, System::nanoTime);
    }

    static MetricsLog resume(Path file, long resumeStep, LongSupplier nanoClock) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(nanoClock, "nanoClock");
        if (resumeStep < 0) {
            throw new IllegalArgumentException("resumeStep: expected a step of 0 or more, got " + resumeStep);
        }
        if (!Files.exists(file)) {
            createParent(file);
            return new MetricsLog(file, open(file, StandardOpenOption.TRUNCATE_EXISTING), nanoClock, 0, resumeStep);
        }
        String text = text(file);
        List<String> lines = lines(text);
        StringBuilder kept = new StringBuilder();
        boolean changed = !text.isEmpty() && !text.endsWith("\n");
        double time = 0;
        for (int i = 0; i < lines.size(); i++) {
            Entry e = parse(file, lines, i);
            if (e == null || e.step() >= resumeStep) {
                changed |= !lines.get(i).isBlank();     // dropped: a stale step or a cut-short last line
                continue;
            }
            kept.append(lines.get(i)).append('\n');
            if (Double.isFinite(e.time())) {
                time = Math.max(time, e.time());
            }
        }
        if (changed) {
            replace(file, kept.toString());
        }
        return new MetricsLog(file, open(file, StandardOpenOption.APPEND), nanoClock, time, resumeStep);
    }

    /** The file this log writes. */
    public Path file() {
        return file;
    }

    /**
     * Appends one line for {@code step} and hands it to the operating system.
     *
     * @param step at least the step of the previous line (lines may share a step, e.g. training and validation
     *     metrics) and, after {@link #resume}, at least the resume step
     * @param metrics values by name; names other than {@code step} and {@code time}; NaN and infinities are written as
     *     {@code null}
     * @throws IOException if the file cannot be written
     * @throws IllegalStateException after {@link #close}
     */
    public void log(long step, Map<String, Double> metrics) throws IOException {
        if (closed) {
            throw new IllegalStateException("log() after close(): open the log again with MetricsLog.resume");
        }
        Objects.requireNonNull(metrics, "metrics");
        if (step < lastStep) {
            throw new IllegalArgumentException("step: expected at least " + lastStep
                    + " (the previous line's step, or the resume step), got " + step);
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", step);
        line.put("time", Math.round((timeOffset + (clock.getAsLong() - startNanos) / 1e9) * 1000) / 1000.0);
        metrics.forEach((name, value) -> {
            if (name == null || name.isEmpty() || name.equals("step") || name.equals("time")) {
                throw new IllegalArgumentException("metrics: expected names other than \"step\" and \"time\" (which "
                        + "every line has), got " + (name == null ? "null" : "\"" + name + "\""));
            }
            if (value == null) {
                throw new IllegalArgumentException("metrics: expected a value for \"" + name + "\", got null");
            }
            line.put(name, value);
        });
        try {
            writer.write(Json.writeCompact(line));
            writer.write('\n');
            writer.flush();
        } catch (IOException e) {
            throw new IOException("cannot append to the metrics log " + file + ": " + e, e);
        }
        lastStep = step;
    }

    /** Closes the file; a second call does nothing. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            writer.close();
        }
    }

    /**
     * The entries of a log in file order, without a last line cut short by a kill.
     *
     * @throws IOException if the file cannot be read, or a line before the last is not a log entry
     */
    public static List<Entry> read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        List<String> lines = lines(text(file));
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Entry e = parse(file, lines, i);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- lines

    private static String text(Path file) throws IOException {
        try {
            // a kill can cut a multi-byte character in two: decoding replaces it, and the cut line is dropped anyway
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot read the metrics log " + file + ": " + e, e);
        }
    }

    private static List<String> lines(String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);     // the empty piece after the final newline
        }
        return lines;
    }

    /** Line {@code i} as an entry; null if it is blank, or the last line and does not parse (cut short by a kill). */
    private static Entry parse(Path file, List<String> lines, int i) throws IOException {
        String line = lines.get(i);
        if (line.isBlank()) {
            return null;
        }
        try {
            return entry(Json.parse(line));
        } catch (Json.ParseException | IllegalArgumentException e) {
            if (i == lines.size() - 1) {
                return null;
            }
            String why = e instanceof Json.ParseException ? "the JSON is invalid: " + e.getMessage() : e.getMessage();
            throw new IOException("metrics log " + file + " line " + (i + 1) + ": expected an entry {\"step\": "
                    + "<integer>, \"time\": <seconds>, <name>: <number or null>, ...}, got a line where "
                    + why + " (only the last line may be cut short, by a killed run)", e);
        }
    }

    private static Entry entry(Object json) {
        if (!(json instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("the value is " + Json.writeCompact(json == Json.NULL ? null : json));
        }
        if (!(map.get("step") instanceof Long step)) {
            throw new IllegalArgumentException("\"step\" is " + (map.containsKey("step") ? map.get("step") : "missing"));
        }
        double time = Double.NaN;
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (Map.Entry<?, ?> m : map.entrySet()) {
            String name = (String) m.getKey();
            if (name.equals("step")) {
                continue;
            }
            double v = value(name, m.getValue());
            if (name.equals("time")) {
                time = v;
            } else {
                metrics.put(name, v);
            }
        }
        return new Entry(step, time, metrics);
    }

    /** A number, or NaN for null (and for the strings "NaN", "Infinity", "-Infinity", as other writers use them). */
    private static double value(String name, Object v) {
        if (v instanceof Long l) {
            return l;
        } else if (v instanceof BigDecimal d) {
            return d.doubleValue();
        } else if (v == Json.NULL) {
            return Double.NaN;
        } else if (v instanceof String s && (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity"))) {
            return Double.parseDouble(s);
        }
        throw new IllegalArgumentException("\"" + name + "\" is " + (v instanceof String s ? "\"" + s + "\"" : v)
                + ", not a number or null");
    }

    // ---------------------------------------------------------------- files

    private static void createParent(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create the metrics log " + file + ": cannot create its directory " + dir
                    + " (" + e + ")", e);
        }
    }

    private static BufferedWriter open(Path file, StandardOpenOption mode) throws IOException {
        try {
            return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, mode);
        } catch (IOException e) {
            throw new IOException("cannot open the metrics log " + file + " for writing: " + e, e);
        }
    }

    /** Replaces {@code file} by {@code text}: written beside it, then renamed over it, so a crash keeps one or other. */
    private static void replace(Path file, String text) throws IOException {
        Path target = file.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("cannot rewrite the metrics log " + file + " for the resumed run: " + e, e);
        }
    }
}
