package org.ldm4j.training.eval;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.data.Example;
import org.ldm4j.training.data.ShapeColour;
import org.ldm4j.training.data.ShapesConfig;
import org.ldm4j.training.data.ShapesDataset;

/**
 * A deterministic, non-learned classifier of single-shape {@link ShapesDataset} images, to measure how faithful
 * generated samples are to the class they were asked for.
 *
 * <p>Three steps per image: (1) separate the shape from the dark background ({@code Foreground}: the border's
 * median as background colour, a contrast threshold at the isodata midpoint, the largest connected component);
 * (2) name its dominant colour: the median colour of its most contrasted half, matched to the nearest of the
 * config's colours by hue and saturation (both sides scaled so that their largest channel is 1, as
 * {@link ShapeColour#nearest} does); (3) recognise its kind by fitting each of the config's kinds' own definition
 * ({@link org.ldm4j.training.data.ShapeKind#contains}) to the shape's coverage, over position, size and edge blur,
 * and keeping the best fit ({@code KindMatcher}). The class follows from kind and colour under the config's
 * {@link ShapesConfig.Labels} mode. Only the config's kinds, colours and labels are used, not its image size:
 * any image of at least {@value #MIN_SIDE}x{@value #MIN_SIDE} pixels can be checked.
 *
 * <p>Values outside [-1, 1] (unclamped samples, infinities) are clamped and NaN counts as -1 (black), so that a
 * diverged model's samples score as having no shape rather than failing the evaluation. With several shapes in
 * an image the checker reads the largest, if it holds at least half of the foreground, else reports none.
 *
 * <pre>{@code
 * ShapesConfig config = ShapesConfig.of(32).withLabels(ShapesConfig.Labels.SHAPE_AND_COLOUR);
 * ShapesChecker checker = new ShapesChecker(config);
 * Verdict v = checker.check(new ShapesDataset(config, 1).get(0).toTensor());   // (3, 32, 32)
 * config.className(v.predictedClass());                                       // "red circle"
 * FidelityReport r = checker.evaluate(samples, requestedLabels);               // samples (B, 3, 32, 32)
 * Files.writeString(dir.resolve("fidelity.txt"), r.toString());
 * }</pre>
 */
public final class ShapesChecker {
    /** The smallest image side that can be checked. */
    public static final int MIN_SIDE = ShapesConfig.MIN_SIZE;

    private final ShapesConfig config;
    private final KindMatcher matcher;

    /** A checker of images drawn under {@code config} (its kinds, colours and labels mode). */
    public ShapesChecker(ShapesConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.matcher = new KindMatcher(config.kinds());
    }

    public ShapesConfig config() {
        return config;
    }

    /** The verdict on one image, a tensor of shape (3, H, W) with values in [-1, 1]. */
    public Verdict check(Tensor image) {
        Objects.requireNonNull(image, "image");
        long[] s = image.shape();
        if (s.length != 3 || s[0] != Example.CHANNELS) {
            throw new IllegalArgumentException("image: expected shape [3, H, W], got " + Arrays.toString(s)
                    + (s.length == 4 ? " (use checkBatch for a batch [B, 3, H, W])" : ""));
        }
        checkSides("image", s[1], s[2], s);
        return check(image.toFloatArray(), (int) s[1], (int) s[2]);
    }

    /** The verdict on one dataset example. */
    public Verdict check(Example example) {
        Objects.requireNonNull(example, "example");
        return check(example.pixels(), example.height(), example.width());
    }

    /** The verdict on one image as CHW values in [-1, 1]: {@code chw[(c * height + y) * width + x]}. */
    public Verdict check(float[] chw, int height, int width) {
        Objects.requireNonNull(chw, "chw");
        checkSides("image", height, width, new long[] {Example.CHANNELS, height, width});
        long expected = (long) Example.CHANNELS * height * width;
        if (chw.length != expected) {
            throw new IllegalArgumentException("chw: expected 3 * " + height + " * " + width + " = " + expected
                    + " values, got " + chw.length);
        }
        return read(chw, 0, height, width);
    }

    /**
     * The verdicts on a batch of images, a tensor of shape (B, 3, H, W) with values in [-1, 1], in batch order (read
     * in parallel; each verdict is the same as {@link #check(Tensor)}'s).
     */
    public List<Verdict> checkBatch(Tensor images) {
        Objects.requireNonNull(images, "images");
        long[] s = images.shape();
        if (s.length != 4 || s[1] != Example.CHANNELS) {
            throw new IllegalArgumentException("images: expected shape [B, 3, H, W], got " + Arrays.toString(s)
                    + (s.length == 3 ? " (use check for one image [3, H, W])" : ""));
        }
        checkSides("images", s[2], s[3], s);
        int h = (int) s[2];
        int w = (int) s[3];
        float[] all = images.toFloatArray();
        int per = Example.CHANNELS * h * w;
        // the images are independent: read them in parallel (the stream joins its tasks), results in batch order
        return IntStream.range(0, (int) s[0]).parallel().mapToObj(b -> read(all, b * per, h, w)).toList();
    }

    /**
     * The fidelity of a batch of samples, (B, 3, H, W) in [-1, 1], to the classes they were asked for,
     * {@code requested[b]} in {@code [0, config.numClasses())}.
     */
    public FidelityReport evaluate(Tensor images, long[] requested) {
        Objects.requireNonNull(requested, "requested");
        long[] s = Objects.requireNonNull(images, "images").shape();
        if (s.length == 4 && s[0] != requested.length) {
            throw new IllegalArgumentException("requested: expected one label per image, " + s[0] + ", got "
                    + requested.length);
        }
        return FidelityReport.of(config, checkBatch(images), requested);
    }

    /** As {@link #evaluate(Tensor, long[])}, the requested labels a tensor of shape (B) (a batch's labels). */
    public FidelityReport evaluate(Tensor images, Tensor requested) {
        Objects.requireNonNull(requested, "requested");
        if (requested.rank() != 1) {
            throw new IllegalArgumentException("requested: expected shape [B], got "
                    + Arrays.toString(requested.shape()));
        }
        return evaluate(images, requested.toLongArray());
    }

    // ---------------------------------------------------------------- one image

    private Verdict read(float[] chw, int offset, int height, int width) {
        int n = 3 * height * width;
        double[] rgb = new double[n];
        for (int i = 0; i < n; i++) {
            float v = chw[offset + i];
            // [-1, 1] -> [0, 1], clamped; NaN counts as black
            rgb[i] = Float.isNaN(v) ? 0 : Math.max(0, Math.min(1, (v + 1) / 2.0));
        }
        Foreground f = Foreground.find(rgb, height, width);
        if (f == null) {
            return Verdict.none();
        }
        ShapeColour colour = nearest(f.paint);
        int agree = 0;
        for (int p : f.core) {
            if (nearest(f.colourAt(p)) == colour) {
                agree++;
            }
        }
        List<KindMatcher.Fit> fits = matcher.fits(f);
        KindMatcher.Fit best = fits.get(0);
        double coverage = Math.min(1, f.coveredFraction());
        return new Verdict(true, best.kind(), colour, config.classOf(best.kind(), colour),
                best.score(), (double) agree / f.core.length, coverage,
                KindMatcher.scores(fits));
    }

    /**
     * The config's colour nearest to {@code rgb} by hue and saturation: both scaled so that their largest channel
     * is 1, then compared by Euclidean distance (a shaded pixel keeps its name).
     */
    ShapeColour nearest(double[] rgb) {
        double m = Math.max(1e-6, Math.max(rgb[0], Math.max(rgb[1], rgb[2])));
        ShapeColour best = null;
        double bestD = Double.POSITIVE_INFINITY;
        for (ShapeColour c : config.colours()) {
            double[] ref = c.rgb();
            double cm = Math.max(ref[0], Math.max(ref[1], ref[2]));
            double d = 0;
            for (int i = 0; i < 3; i++) {
                double diff = ref[i] / cm - rgb[i] / m;
                d += diff * diff;
            }
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best;
    }

    private static void checkSides(String name, long height, long width, long[] shape) {
        if (height < MIN_SIDE || width < MIN_SIDE || height > ShapesConfig.MAX_SIZE || width > ShapesConfig.MAX_SIZE) {
            throw new IllegalArgumentException(name + ": expected height and width in [" + MIN_SIDE + ", "
                    + ShapesConfig.MAX_SIZE + "], got " + height + "x" + width + " in " + Arrays.toString(shape));
        }
    }
}
