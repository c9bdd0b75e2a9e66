package org.ldm4j.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.OptionalDouble;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.data.Batch;
import org.ldm4j.training.data.Batches;
import org.ldm4j.training.data.ShapeColour;
import org.ldm4j.training.data.ShapeKind;
import org.ldm4j.training.data.ShapesConfig;
import org.ldm4j.training.data.ShapesDataset;

/**
 * The checker reads single-shape {@link ShapesDataset} images right, clean and degraded (Gaussian noise of sigma 0.1,
 * a 3x3 binomial blur: stand-ins for imperfect diffusion samples), under every labels mode. Class accuracy measured
 * on 400 images per case (200 at 64x64), for SHAPE / COLOUR / SHAPE_AND_COLOUR:
 * <pre>
 *          clean                noise                blur                 noise and blur
 * 64x64    1.000 1.000 1.000    1.000 1.000 1.000    1.000 1.000 1.000    1.000 1.000 1.000
 * 32x32    1.000 1.000 1.000    1.000 1.000 1.000    0.998 1.000 0.998    0.995 1.000 1.000
 * 24x24    0.998 1.000 0.995    0.990 1.000 0.998    0.950 1.000 0.955    0.953 1.000 0.938
 * 16x16    0.965 0.998 0.958    0.903 0.998 0.930    0.688 0.995 0.743    0.695 0.985 0.718
 * </pre>
 * The rare misses at 32x32 are small blurred shapes (6 pixels wide), where a disc is nearly a ring blurred more; at
 * 16x16 a small shape is 3 pixels wide and its kind is often ambiguous. The bounds asserted here leave room for other
 * seeds.
 */
class ShapesCheckerAccuracyTest {
    @ParameterizedTest(name = "{0} at {1}x{1}")
    @CsvSource({"SHAPE, 32, 1", "COLOUR, 32, 2", "SHAPE_AND_COLOUR, 32, 3", "SHAPE, 64, 4", "COLOUR, 64, 5",
        "SHAPE_AND_COLOUR, 64, 6"})
    void cleanImagesAreReadRightUnderEveryLabelsMode(ShapesConfig.Labels labels, int size, long seed) {
        ShapesConfig config = ShapesConfig.of(size).withLabels(labels);
        FidelityReport r = measure(config, seed, size == 32 ? 100 : 40, UnaryOperator.identity(), "clean");
        assertTrue(r.classAccuracy() >= 0.95, r.toString());
        assertEquals(r.count(), r.foundCount(), "every image holds a shape");
        r.kindAccuracy().ifPresent(a -> assertTrue(a >= 0.95, r.toString()));
        r.colourAccuracy().ifPresent(a -> assertTrue(a >= 0.98, r.toString()));
    }

    @ParameterizedTest(name = "{0} at {1}x{1}")
    @CsvSource({"noise, 32", "blur, 32", "noise and blur, 32", "noise, 64", "blur, 64", "noise and blur, 64"})
    void degradedImagesStayAccurate(String degradation, int size) {
        ShapesConfig config = ShapesConfig.of(size).withLabels(ShapesConfig.Labels.SHAPE_AND_COLOUR);
        Rng noise = new Rng(5);
        UnaryOperator<float[]> degrade = switch (degradation) {
            case "noise" -> x -> Degrade.noise(x, 0.1, noise.split());
            case "blur" -> x -> Degrade.blur(x, size, size);
            default -> x -> Degrade.blur(Degrade.noise(x, 0.1, noise.split()), size, size);
        };
        FidelityReport r = measure(config, 20 + size, size == 32 ? 100 : 40, degrade, degradation);
        assertTrue(r.classAccuracy() >= (size == 32 ? 0.93 : 0.95), r.toString());
        assertTrue(r.colourAccuracy().getAsDouble() >= 0.97, r.toString());
    }

    @ParameterizedTest(name = "plain background, supersample {0}")
    @CsvSource({"1", "4"})
    void plainBackgroundsAndAliasedEdgesAreReadRight(int supersample) {
        ShapesConfig config = ShapesConfig.of(32).withLabels(ShapesConfig.Labels.SHAPE_AND_COLOUR)
                .withBackground(ShapesConfig.Background.PLAIN).withSupersample(supersample);
        FidelityReport r = measure(config, 30 + supersample, 80, UnaryOperator.identity(), "plain");
        assertTrue(r.classAccuracy() >= 0.95, r.toString());
    }

    @ParameterizedTest(name = "{0} at 48x48")
    @CsvSource({"SHAPE", "SHAPE_AND_COLOUR"})
    void aSubsetOfKindsAndColoursIsReadWithinTheSubset(ShapesConfig.Labels labels) {
        ShapesConfig config = ShapesConfig.of(48).withLabels(labels)
                .withKinds(ShapeKind.TRIANGLE, ShapeKind.DIAMOND, ShapeKind.RING)
                .withColours(ShapeColour.ORANGE, ShapeColour.YELLOW, ShapeColour.RED);
        FidelityReport r = measure(config, 40, 48, UnaryOperator.identity(), "subset");
        assertTrue(r.classAccuracy() >= 0.95, r.toString());
        for (int[] row : r.confusion()) {
            assertEquals(config.numClasses() + 1, row.length);
        }
    }

    /**
     * At 16x16 a small shape is about 3 pixels wide (a small ring is little more than a dot), so kinds are often
     * ambiguous: measured 96% clean, 90% with noise, 69% blurred. The clean figure is pinned as the documented limit.
     */
    @ParameterizedTest(name = "16x16")
    @CsvSource({"SHAPE"})
    void atSixteenPixelsMostCleanImagesAreStillReadRight(ShapesConfig.Labels labels) {
        FidelityReport r = measure(ShapesConfig.of(16).withLabels(labels), 50, 120, UnaryOperator.identity(), "16px");
        assertTrue(r.classAccuracy() >= 0.88, r.toString());
    }

    private static String text(OptionalDouble v) {
        return v.isPresent() ? String.format(Locale.ROOT, "%.3f", v.getAsDouble()) : "n/a";
    }

    /** The fidelity of the checker on {@code n} examples of {@code config}, each degraded; printed for the record. */
    private static FidelityReport measure(ShapesConfig config, long seed, int n, UnaryOperator<float[]> degrade,
            String what) {
        Batch batch = Batches.range(new ShapesDataset(config, seed), 0, n);
        int size = config.size();
        float[] all = batch.images().toFloatArray();
        int per = 3 * size * size;
        float[] out = new float[all.length];
        for (int b = 0; b < n; b++) {
            float[] one = new float[per];
            System.arraycopy(all, b * per, one, 0, per);
            System.arraycopy(degrade.apply(one), 0, out, b * per, per);
        }
        FidelityReport r = new ShapesChecker(config).evaluate(Tensor.of(out, n, 3, size, size), batch.labels());
        System.out.printf("[eval] %s, %s, %dx%d, n=%d: class %.3f, kind %s, colour %s, found %d%n", what,
                config.labels(), size, size, n, r.classAccuracy(), text(r.kindAccuracy()), text(r.colourAccuracy()),
                r.foundCount());
        return r;
    }
}
