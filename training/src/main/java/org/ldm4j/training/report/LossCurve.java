package org.ldm4j.training.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.ldm4j.training.image.Images;
import org.ldm4j.training.image.RgbImage;

/**
 * A PNG plot of metric series against the step: each series raw and faint, with its moving average drawn over it,
 * on axes with tick labels, a legend and a title. Non-finite values are skipped. The y axis is logarithmic by default
 * when every value is positive (losses), linear otherwise. Drawn with {@code java.awt} off screen: the class sets
 * {@code java.awt.headless=true} unless the property is already set.
 *
 * <pre>{@code
 * LossCurve.write(Path.of("run/loss.png"), "autoencoder loss", Map.of("loss", points));  // points: {step, value}
 * LossCurve.fromMetrics(MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)), "loss", "val_loss")
 *         .title("ldm loss").size(1000, 600).logY(false).smoothing(50)
 *         .write(run.resolve("loss.png"));
 * }</pre>
 *
 * <p>Instances are immutable; each setting returns a new one. An empty series, or no series at all, gives empty
 * axes marked "no data" (a plot written before the first logged step); a single point is drawn as a dot.
 */
public final class LossCurve {
    /** Default image size in pixels. */
    public static final int DEFAULT_WIDTH = 800;
    public static final int DEFAULT_HEIGHT = 480;
    static final int MIN_SIZE = 200;
    static final int MAX_SIZE = 8192;
    /** Series colours in order (matplotlib's tab10), repeated after ten series. */
    static final Color[] COLOURS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)};
    private static final Color GRID = new Color(0xe8e8e8);
    private static final Color AXIS = new Color(0x888888);
    private static final Color TEXT = new Color(0x333333);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** A series' finite points sorted by step: {@code steps[i]}, {@code values[i]}. */
    private record Series(String name, double[] steps, double[] values) {
    }

    private final List<Series> series;
    private final String title;
    private final int width;
    private final int height;
    private final Boolean logY;          // null: log when every value is positive
    private final int smoothing;         // 0: chosen from the number of points

    private LossCurve(List<Series> series, String title, int width, int height, Boolean logY, int smoothing) {
        this.series = series;
        this.title = title;
        this.width = width;
        this.height = height;
        this.logY = logY;
        this.smoothing = smoothing;
    }

    /**
     * A plot of the series in map order, each a list of points {@code {step, value}}; points with a non-finite step
     * or value are skipped.
     */
    public static LossCurve of(Map<String, List<double[]>> seriesByName) {
        if (seriesByName == null) {
            throw new IllegalArgumentException("seriesByName: expected a map from series names to lists of points "
                    + "{step, value}, got null");
        }
        List<Series> out = new ArrayList<>();
        seriesByName.forEach((name, points) -> {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("seriesByName: expected non-blank series names, got "
                        + (name == null ? "null" : "\"" + name + "\""));
            }
            String where = "seriesByName[\"" + name + "\"]";
            if (points == null) {
                throw new IllegalArgumentException(where + ": expected a list of points {step, value}, got null");
            }
            List<double[]> finite = new ArrayList<>(points.size());
            for (int i = 0; i < points.size(); i++) {
                double[] p = points.get(i);
                if (p == null || p.length != 2) {
                    throw new IllegalArgumentException(where + "[" + i + "]: expected a point {step, value} of length "
                            + "2, got " + (p == null ? "null" : "length " + p.length + " " + Arrays.toString(p)));
                }
                if (Double.isFinite(p[0]) && Double.isFinite(p[1])) {
                    finite.add(p);
                }
            }
            finite.sort(Comparator.comparingDouble(p -> p[0]));
            double[] steps = new double[finite.size()];
            double[] values = new double[finite.size()];
            for (int i = 0; i < steps.length; i++) {
                steps[i] = finite.get(i)[0];
                values[i] = finite.get(i)[1];
            }
            out.add(new Series(name, steps, values));
        });
        return new LossCurve(Collections.unmodifiableList(out), "", DEFAULT_WIDTH, DEFAULT_HEIGHT, null, 0);
    }

    /**
     * A plot of the metrics {@code names} of a {@link MetricsLog}'s entries against their step; an entry without a
     * metric adds no point to its series.
     */
    public static LossCurve fromMetrics(List<MetricsLog.Entry> entries, String... names) {
        Objects.requireNonNull(entries, "entries");
        Objects.requireNonNull(names, "names");
        if (names.length == 0) {
            throw new IllegalArgumentException("names: expected at least one metric name to plot, got none");
        }
        Map<String, List<double[]>> byName = new LinkedHashMap<>();
        for (String name : names) {
            if (name == null || byName.put(name, new ArrayList<>()) != null) {
                throw new IllegalArgumentException("names: expected distinct metric names, got "
                        + Arrays.toString(names));
            }
        }
        for (MetricsLog.Entry e : entries) {
            byName.forEach((name, points) -> {
                Double v = e.metrics().get(name);
                if (v != null) {
                    points.add(new double[] {e.step(), v});
                }
            });
        }
        return of(byName);
    }

    /** Writes a plot of {@code seriesByName} (see {@link #of}) titled {@code title} to {@code png}, atomically. */
    public static void write(Path png, String title, Map<String, List<double[]>> seriesByName) throws IOException {
        of(seriesByName).title(title).write(png);
    }

    /** This plot with a title above it (empty: none). */
    public LossCurve title(String title) {
        return new LossCurve(series, Objects.requireNonNull(title, "title"), width, height, logY, smoothing);
    }

    /** This plot at {@code width x height} pixels, each from {@value #MIN_SIZE} to {@value #MAX_SIZE}. */
    public LossCurve size(int width, int height) {
        checkSize("width", width);
        checkSize("height", height);
        return new LossCurve(series, title, width, height, logY, smoothing);
    }

    /** This plot with a logarithmic (values that are not positive are then skipped) or a linear y axis. */
    public LossCurve logY(boolean log) {
        return new LossCurve(series, title, width, height, log, smoothing);
    }

    /**
     * This plot with a centred moving average over {@code window} points of each series (1: the raw series only). By
     * default the window is a twentieth of each series' points, 1 to 1000.
     */
    public LossCurve smoothing(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window: expected a moving average over 1 or more points, got "
                    + window);
        }
        return new LossCurve(series, title, width, height, logY, window);
    }

    /** Writes the plot to {@code png} (a temporary file renamed over it), with the title as a PNG text chunk. */
    public void write(Path png) throws IOException {
        Objects.requireNonNull(png, "png");
        Path name = png.getFileName();
        if (name == null || !name.toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new IllegalArgumentException("png: expected a file name ending in .png, got " + png);
        }
        Images.write(RgbImage.fromBufferedImage(render()), png, title.isEmpty() ? Map.of() : Map.of("Title", title));
    }

    // ---------------------------------------------------------------- drawing

    /** The plot as an RGB image of the configured size. */
    public BufferedImage render() {
        boolean log = logY != null ? logY : series.stream().anyMatch(s -> s.values.length > 0)
                && series.stream().allMatch(s -> Arrays.stream(s.values).allMatch(v -> v > 0));
        // y in plot space (log10 when logarithmic), points that cannot be drawn there dropped
        List<double[][]> xy = new ArrayList<>();
        for (Series s : series) {
            xy.add(log ? positiveLog10(s) : new double[][] {s.steps, s.values});
        }
        double[] xRange = range(xy, 0);
        double[] yRange = range(xy, 1);
        boolean empty = xRange == null;
        Axis x = empty ? Axis.linear(0, 1, 0, 1) : Axis.linear(xRange[0], xRange[1], 0.02, 1);   // steps: whole ticks
        Axis y = empty ? Axis.linear(0, 1, 0, 0)
                : log ? Axis.log(yRange[0], yRange[1]) : Axis.linear(yRange[0], yRange[1], 0.05, 0);

        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            g.setFont(small);
            FontMetrics fm = g.getFontMetrics();
            double[] yTicks = empty ? new double[0] : y.ticks(Math.max(2, height / 60));
            double[] xTicks = empty ? new double[0] : x.ticks(Math.max(2, width / 110));
            int labelWidth = 0;
            for (double t : yTicks) {
                labelWidth = Math.max(labelWidth, fm.stringWidth(y.label(t)));
            }
            Plot p = new Plot(labelWidth + 16, title.isEmpty() ? 16 : 40, width - 20, height - 44, x, y);

            // grid, frame, tick labels
            g.setStroke(new BasicStroke(1f));
            for (double t : yTicks) {
                double py = p.py(t);
                g.setColor(GRID);
                g.draw(new Line2D.Double(p.left, py, p.right, py));
                g.setColor(TEXT);
                String s = y.label(t);
                g.drawString(s, p.left - 6 - fm.stringWidth(s), (float) (py + fm.getAscent() / 2.0 - 1));
            }
            for (double t : xTicks) {
                double px = p.px(t);
                g.setColor(GRID);
                g.draw(new Line2D.Double(px, p.top, px, p.bottom));
                g.setColor(TEXT);
                String s = Format.steps(t);
                g.drawString(s, (float) (px - fm.stringWidth(s) / 2.0), p.bottom + 4 + fm.getAscent());
            }
            g.setColor(AXIS);
            g.drawRect(p.left, p.top, p.right - p.left, p.bottom - p.top);
            g.setColor(TEXT);
            g.drawString("step", (p.left + p.right - fm.stringWidth("step")) / 2f, height - 6f);
            if (log) {
                g.setColor(AXIS);
                g.drawString("log scale", p.left, p.top - 4f);
            }
            if (!title.isEmpty()) {
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
                g.setColor(TEXT);
                g.drawString(title, (width - g.getFontMetrics().stringWidth(title)) / 2f, 24f);
                g.setFont(small);
            }
            if (empty) {
                g.setColor(AXIS);
                g.drawString("no data", (p.left + p.right - fm.stringWidth("no data")) / 2f,
                        (p.top + p.bottom) / 2f);
            }

            // the series: raw and faint, then smoothed on top
            Graphics2D clip = (Graphics2D) g.create();
            clip.clipRect(p.left + 1, p.top + 1, p.right - p.left - 1, p.bottom - p.top - 1);
            for (int i = 0; i < xy.size(); i++) {
                Color c = COLOURS[i % COLOURS.length];
                double[] xs = xy.get(i)[0];
                double[] ys = xy.get(i)[1];
                int window = smoothing > 0 ? smoothing : Math.max(1, Math.min(1000, xs.length / 20));
                if (xs.length == 1) {
                    clip.setColor(c);
                    clip.fill(new Ellipse2D.Double(p.px(xs[0]) - 3.5, p.py(ys[0]) - 3.5, 7, 7));
                    continue;
                }
                if (window > 1) {
                    clip.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 70));
                    clip.setStroke(new BasicStroke(1f));
                    clip.draw(p.path(xs, ys));
                }
                clip.setColor(c);
                clip.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                clip.draw(p.path(xs, window > 1 ? movingAverage(ys, window) : ys));
            }
            clip.dispose();
            legend(g, fm, p, xy);
        } finally {
            g.dispose();
        }
        return img;
    }

    private void legend(Graphics2D g, FontMetrics fm, Plot p, List<double[][]> xy) {
        if (series.isEmpty()) {
            return;
        }
        List<String> labels = new ArrayList<>();
        int w = 0;
        for (int i = 0; i < series.size(); i++) {
            labels.add(series.get(i).name + (xy.get(i)[0].length == 0 ? " (no data)" : ""));
            w = Math.max(w, fm.stringWidth(labels.get(i)));
        }
        int row = fm.getHeight() + 2;
        int boxW = w + 40;
        int boxH = row * labels.size() + 8;
        int bx = p.right - boxW - 8;
        int by = p.top + 8;
        g.setColor(new Color(255, 255, 255, 220));
        g.fillRect(bx, by, boxW, boxH);
        g.setColor(GRID.darker());
        g.setStroke(new BasicStroke(1f));
        g.drawRect(bx, by, boxW, boxH);
        for (int i = 0; i < labels.size(); i++) {
            int cy = by + 4 + row * i + row / 2;
            g.setColor(COLOURS[i % COLOURS.length]);
            g.setStroke(new BasicStroke(2f));
            g.draw(new Line2D.Double(bx + 8, cy, bx + 28, cy));
            g.setColor(TEXT);
            g.drawString(labels.get(i), bx + 34, cy + fm.getAscent() / 2f - 1);
        }
    }

    /** The pixel frame of the plot area and its mapping from data to pixels. */
    private record Plot(int left, int top, int right, int bottom, Axis x, Axis y) {
        double px(double step) {
            return left + x.fraction(step) * (right - left);
        }

        double py(double v) {
            return bottom - y.fraction(v) * (bottom - top);
        }

        /** A polyline through the points; beyond two points per pixel column, each column's lowest and highest. */
        Path2D path(double[] xs, double[] ys) {
            Path2D.Double path = new Path2D.Double();
            boolean dense = xs.length > 2 * (right - left);
            int i = 0;
            while (i < xs.length) {
                double px = px(xs[i]);
                double lo = ys[i];
                double hi = ys[i];
                int j = i + 1;
                while (dense && j < xs.length && (int) px(xs[j]) == (int) px) {
                    lo = Math.min(lo, ys[j]);
                    hi = Math.max(hi, ys[j]);
                    j++;
                }
                if (i == 0) {
                    path.moveTo(px, py(lo));
                } else {
                    path.lineTo(px, py(lo));
                }
                if (hi != lo) {
                    path.lineTo(px, py(hi));
                }
                i = j;
            }
            return path;
        }
    }

    // ---------------------------------------------------------------- data

    private static double[][] positiveLog10(Series s) {
        int n = (int) Arrays.stream(s.values).filter(v -> v > 0).count();
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int i = 0, k = 0; i < s.values.length; i++) {
            if (s.values[i] > 0) {
                xs[k] = s.steps[i];
                ys[k++] = Math.log10(s.values[i]);
            }
        }
        return new double[][] {xs, ys};
    }

    /** {min, max} of coordinate {@code c} over all series, or null if there are no points. */
    private static double[] range(List<double[][]> xy, int c) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[][] s : xy) {
            for (double v : s[c]) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return lo <= hi ? new double[] {lo, hi} : null;
    }

    /** Centred moving average over {@code window} points, the window shrunk to fit at the ends: O(n) by prefix sums. */
    static double[] movingAverage(double[] v, int window) {
        int n = v.length;
        double[] prefix = new double[n + 1];
        for (int i = 0; i < n; i++) {
            prefix[i + 1] = prefix[i] + v[i];
        }
        double[] out = new double[n];
        int before = (window - 1) / 2;
        int after = window - 1 - before;
        for (int i = 0; i < n; i++) {
            int a = Math.max(0, i - before);
            int b = Math.min(n, i + after + 1);
            out[i] = (prefix[b] - prefix[a]) / (b - a);
        }
        return out;
    }

    private static void checkSize(String name, int pixels) {
        if (pixels < MIN_SIZE || pixels > MAX_SIZE) {
            throw new IllegalArgumentException(name + ": expected " + MIN_SIZE + " to " + MAX_SIZE + " pixels, got "
                    + pixels);
        }
    }
}
