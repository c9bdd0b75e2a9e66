package org.ldm4j.training.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.training.image.Images;

class LossCurveTest {
    private static final Color FIRST = LossCurve.COLOURS[0];

    @TempDir
    Path dir;

    /** Points {10 i, f(i)} for i in [0, n). */
    private static List<double[]> series(int n, IntToDoubleFunction f) {
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            points.add(new double[] {10.0 * i, f.applyAsDouble(i)});
        }
        return points;
    }

    private static boolean near(int rgb, Color c) {
        int dr = (rgb >> 16 & 0xff) - c.getRed();
        int dg = (rgb >> 8 & 0xff) - c.getGreen();
        int db = (rgb & 0xff) - c.getBlue();
        return dr * dr + dg * dg + db * db < 30 * 30;
    }

    /** The mean row of the pixels of colour {@code c} in columns [x0, x0 + 5), NaN if there are none. */
    private static double meanRow(BufferedImage img, int x0, Color c) {
        double sum = 0;
        int n = 0;
        for (int x = x0; x < x0 + 5; x++) {
            for (int y = 0; y < img.getHeight(); y++) {
                if (near(img.getRGB(x, y), c)) {
                    sum += y;
                    n++;
                }
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static int count(BufferedImage img, Color c) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                n += near(img.getRGB(x, y), c) ? 1 : 0;
            }
        }
        return n;
    }

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void writesAReadablePngOfTheRequestedSizeAtomically() throws IOException {
        Path png = dir.resolve("plots").resolve("loss.png");
        LossCurve.write(png, "autoencoder loss", Map.of("loss", series(300, i -> 1.0 / (1 + i))));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(LossCurve.DEFAULT_WIDTH, img.getWidth());
        assertEquals(LossCurve.DEFAULT_HEIGHT, img.getHeight());
        assertEquals("autoencoder loss", Images.readText(png).get("Title"));

        LossCurve.of(Map.of("loss", series(300, i -> 2.0 - i / 300.0))).size(640, 360).write(png);
        img = ImageIO.read(png.toFile());
        assertEquals(640, img.getWidth());
        assertEquals(360, img.getHeight());
        assertTrue(count(img, FIRST) > 100, "the line is drawn in the first series colour");
        try (Stream<Path> files = Files.list(png.getParent())) {
            assertEquals(List.of("loss.png"), files.map(p -> p.getFileName().toString()).toList(),
                    "no temporary file left");
        }
    }

    @Test
    void theLineFollowsTheData() {
        LossCurve down = LossCurve.of(Map.of("loss", series(400, i -> 1.0 - i / 500.0)));
        LossCurve up = LossCurve.of(Map.of("loss", series(400, i -> 0.2 + i / 500.0)));
        for (LossCurve curve : List.of(down, up, down.logY(false), down.smoothing(1))) {
            assertTrue(count(curve.render(), FIRST) > 200, "pixels of the line colour");
        }
        BufferedImage d = down.render();
        BufferedImage u = up.render();
        int w = d.getWidth();
        double dLeft = meanRow(d, w / 5, FIRST);
        double dRight = meanRow(d, w * 3 / 4, FIRST);
        double uLeft = meanRow(u, w / 5, FIRST);
        double uRight = meanRow(u, w * 3 / 4, FIRST);
        assertTrue(dRight > dLeft + 100, "a decreasing series ends lower in the image: " + dLeft + " -> " + dRight);
        assertTrue(uRight < uLeft - 100, "an increasing series ends higher: " + uLeft + " -> " + uRight);
        assertFalse(Arrays.equals(pixels(d), pixels(u)));
    }

    @Test
    void eachSeriesIsSmoothedOverItsOwnPoints() {
        Map<String, List<double[]>> m = new LinkedHashMap<>();
        m.put("loss", series(2000, i -> 0.05));
        List<double[]> sparse = new ArrayList<>();
        for (int i = 0; i <= 10; i++) {
            sparse.add(new double[] {2000.0 * i, 1.0 - 0.08 * i});   // 11 points across the same steps
        }
        m.put("val_loss", sparse);
        BufferedImage img = LossCurve.of(m).render();
        int w = img.getWidth();
        double left = meanRow(img, w / 5, LossCurve.COLOURS[1]);
        double right = meanRow(img, w * 3 / 4, LossCurve.COLOURS[1]);
        assertTrue(right > left + 20, "the sparse series is not flattened by the dense one's window: " + left + " -> "
                + right);
    }

    @Test
    void aPositiveSeriesIsOnALogAxisByDefault() {
        // 10^(-i / 100): a straight line on a log axis, a curve bending flat on a linear one
        Map<String, List<double[]>> decay = Map.of("loss", series(401, i -> Math.pow(10, -i / 100.0)));
        BufferedImage log = LossCurve.of(decay).smoothing(1).render();
        BufferedImage linear = LossCurve.of(decay).smoothing(1).logY(false).render();
        int w = log.getWidth();
        double[] yLog = {meanRow(log, w * 3 / 10, FIRST), meanRow(log, w / 2, FIRST), meanRow(log, w * 7 / 10, FIRST)};
        double[] yLin = {meanRow(linear, w * 3 / 10, FIRST), meanRow(linear, w / 2, FIRST),
            meanRow(linear, w * 7 / 10, FIRST)};
        assertEquals(yLog[1] - yLog[0], yLog[2] - yLog[1], 3, "evenly spaced on the log axis: " + Arrays.toString(yLog));
        assertTrue(yLin[1] - yLin[0] > (yLin[2] - yLin[1]) + 20, "flattening on a linear one: " + Arrays.toString(yLin));
        // a series with a value at or below zero stays linear
        BufferedImage withZero = LossCurve.of(Map.of("loss", series(401, i -> Math.pow(10, -i / 100.0) - 1e-3)))
                .smoothing(1).render();
        double[] y = {meanRow(withZero, w * 3 / 10, FIRST), meanRow(withZero, w / 2, FIRST),
            meanRow(withZero, w * 7 / 10, FIRST)};
        assertTrue(y[1] - y[0] > (y[2] - y[1]) + 20, Arrays.toString(y));
    }

    @Test
    void emptyOnePointAndConstantSeriesAreDrawn() {
        Map<String, List<double[]>> empty = new LinkedHashMap<>();
        BufferedImage none = LossCurve.of(empty).title("nothing yet").render();
        assertEquals(LossCurve.DEFAULT_WIDTH, none.getWidth());
        assertEquals(0, count(none, FIRST));
        assertTrue(legendPixels() > 0, "an empty series still has its legend entry");
        List<double[]> nonFinite = List.of(new double[] {0, Double.NaN}, new double[] {Double.POSITIVE_INFINITY, 1});
        LossCurve.of(Map.of("loss", nonFinite)).render();

        BufferedImage one = LossCurve.of(Map.of("loss", List.<double[]>of(new double[] {100, 0.5}))).render();
        assertTrue(count(one, FIRST) > legendPixels() + 20, "a dot for a single point");

        BufferedImage constant = LossCurve.of(Map.of("loss", series(50, i -> 0.25))).render();
        int w = constant.getWidth();
        double a = meanRow(constant, w / 4, FIRST);
        double b = meanRow(constant, w / 2, FIRST);
        assertEquals(a, b, 1, "a flat line");
        assertEquals(constant.getHeight() / 2.0, a, constant.getHeight() / 8.0, "in the middle of the plot");
        LossCurve.of(Map.of("zero", series(50, i -> 0.0))).render();
        LossCurve.of(Map.of("same step", List.of(new double[] {5, 1}, new double[] {5, 2}))).render();
        LossCurve.of(Map.of("signs", series(50, i -> i - 25.0))).logY(true).render();   // only the positive half
        LossCurve.of(Map.of("tiny", series(50, i -> 1e-300 * (i + 1)))).render();
    }

    /** The pixels of the first colour in the legend's sample line, for a one-series plot. */
    private static int legendPixels() {
        BufferedImage img = LossCurve.of(Map.of("loss", List.of())).render();
        return count(img, FIRST);
    }

    @Test
    void nonFiniteValuesAreSkipped() {
        List<double[]> clean = series(100, i -> 1.0 / (i + 1));
        List<double[]> dirty = new ArrayList<>(clean);
        dirty.add(30, new double[] {305, Double.NaN});
        dirty.add(60, new double[] {605, Double.POSITIVE_INFINITY});
        dirty.add(new double[] {Double.NaN, 1});
        assertArrayEquals(pixels(LossCurve.of(Map.of("loss", clean)).render()),
                pixels(LossCurve.of(Map.of("loss", dirty)).render()));
    }

    @Test
    void fromMetricsPlotsTheNamedMetricsOfTheEntries() {
        List<MetricsLog.Entry> entries = new ArrayList<>();
        Map<String, List<double[]>> expected = new LinkedHashMap<>();
        expected.put("loss", new ArrayList<>());
        expected.put("val_loss", new ArrayList<>());
        for (int step = 1; step <= 100; step++) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", 1.0 / step);
            m.put("lr", 1e-4);
            expected.get("loss").add(new double[] {step, 1.0 / step});
            if (step % 10 == 0) {
                m.put("val_loss", 1.5 / step);
                expected.get("val_loss").add(new double[] {step, 1.5 / step});
            }
            entries.add(new MetricsLog.Entry(step, step * 0.5, m));
        }
        BufferedImage fromMetrics = LossCurve.fromMetrics(entries, "loss", "val_loss").title("t").render();
        assertArrayEquals(pixels(LossCurve.of(expected).title("t").render()), pixels(fromMetrics));
        assertTrue(count(fromMetrics, LossCurve.COLOURS[1]) > 50, "the second series in the second colour");
    }

    @Test
    void manyPointsAreDrawnQuickly() {
        long t0 = System.nanoTime();
        BufferedImage img = LossCurve.of(Map.of("loss", series(200_000, i -> 1.0 / (1 + i) + 0.01 * Math.sin(i))))
                .render();
        assertTrue(count(img, FIRST) > 200);
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "200k points in under 5 s");
    }

    @Test
    void badInputIsNamed() {
        assertMessage(() -> LossCurve.of(null), "seriesByName: expected a map from series names to lists of points");
        assertMessage(() -> LossCurve.of(Map.of("loss", List.of(new double[] {1, 2}, new double[] {1, 2, 3}))),
                "seriesByName[\"loss\"][1]: expected a point {step, value} of length 2, got length 3 [1.0, 2.0, 3.0]");
        List<double[]> withNull = new ArrayList<>();
        withNull.add(null);
        assertMessage(() -> LossCurve.of(Map.of("loss", withNull)), "seriesByName[\"loss\"][0]: expected a point");
        assertMessage(() -> LossCurve.of(Map.of(" ", List.of())), "seriesByName: expected non-blank series names");
        LossCurve c = LossCurve.of(Map.of("loss", List.of()));
        assertMessage(() -> c.size(10, 300), "width: expected 200 to 8192 pixels, got 10");
        assertMessage(() -> c.size(300, 100_000), "height: expected 200 to 8192 pixels, got 100000");
        assertMessage(() -> c.smoothing(0), "window: expected a moving average over 1 or more points, got 0");
        assertMessage(() -> LossCurve.fromMetrics(List.of()), "names: expected at least one metric name");
        assertMessage(() -> LossCurve.fromMetrics(List.of(), "loss", "loss"), "names: expected distinct metric names");
        assertMessage(() -> c.write(dir.resolve("loss.jpg")), "png: expected a file name ending in .png, got ");
    }

    private interface Call {
        void run() throws Exception;
    }

    private static void assertMessage(Call call, String start) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }

    @Test
    void movingAverageAndTicks() {
        assertArrayEquals(new double[] {1.5, 2, 3, 4, 4.5}, LossCurve.movingAverage(new double[] {1, 2, 3, 4, 5}, 3));
        assertArrayEquals(new double[] {1, 2, 3}, LossCurve.movingAverage(new double[] {1, 2, 3}, 1));
        assertArrayEquals(new double[] {0, 200, 400, 600, 800, 1000}, Axis.linearTicks(-5, 1005, 5, 1));
        assertArrayEquals(new double[] {-0.2, 0, 0.2}, Axis.linearTicks(-0.25, 0.25, 3, 0), 1e-12);
        assertArrayEquals(new double[] {5, 6}, Axis.linearTicks(4.1, 6.2, 8, 1), "whole steps only");
        Axis decades = Axis.log(-4, 0);
        assertArrayEquals(new double[] {-4, -3, -2, -1, 0}, decades.ticks(8), 1e-12);
        assertEquals("1.0e-04", decades.label(-4));
        assertArrayEquals(new double[] {-8, -6, -4, -2, 0}, Axis.log(-8, 0).ticks(5), 1e-12, "every other decade");
        Axis narrow = Axis.log(Math.log10(0.2), Math.log10(0.6));
        double[] t = narrow.ticks(5);
        assertTrue(t.length >= 3, Arrays.toString(t));
        for (double tick : t) {
            String label = narrow.label(tick);
            assertTrue(label.matches("0\\.\\d+"), "round linear values within a decade: " + label);
        }
    }
}
