package org.ldm4j.training.eval;

import java.util.Arrays;

/**
 * The one shape of a {@link org.ldm4j.training.data.ShapesDataset} image, separated from its background: a
 * connected set of pixels, the colours of background and paint, and an estimate of each pixel's coverage.
 *
 * <p>The dataset's background is dark and nearly uniform (one colour per image, at most a gentle gradient and a
 * little grain, see {@code ShapesConfig.Background}) and no shape touches the image border, so the background
 * colour is the per-channel median of the border pixels. A pixel's contrast is its Euclidean RGB distance to that
 * colour. The shape is the largest 8-connected component of pixels whose contrast exceeds the midpoint between the
 * background's contrast level and the shape's, found in two passes (an isodata step): first against a robust
 * maximum, then against the median contrast of the first pass's component. Nothing is found when the contrast is
 * too low (a blank image), the component is tiny, or it is not dominant (noise scatters its pixels over many
 * components).
 *
 * <p>Coverage: an anti-aliased pixel is {@code bg * (1 - c) + paint * c}, so
 * {@code c = (x - bg) . (paint - bg) / |paint - bg|^2} (clamped to [0, 1]) recovers the fraction {@code c} that
 * the shape covers; it is kept within two pixels of the component and zero elsewhere, so specks elsewhere do not
 * count.
 */
final class Foreground {
    /** The least contrast between shape and background, as an RGB distance in [0, 1] units. */
    static final double MIN_CONTRAST = 0.2;
    /** The fewest pixels of a shape. */
    static final int MIN_AREA = 4;
    /** The least share of all above-threshold pixels that the shape's component must hold. */
    static final double MIN_DOMINANCE = 0.5;
    /** The largest share of the image that one shape may cover (the largest box covers 18%). */
    static final double MAX_COVER = 0.5;
    /** How far (chessboard distance, pixels) around the component the coverage is kept. */
    private static final int HALO = 2;
    /** The cap on a coverage estimate: above 1 where the paint is brighter than its median (shading, a blur). */
    static final double MAX_COVERAGE = 2;

    final int height;
    final int width;
    /** (3, H, W) in [0, 1]. */
    final double[] rgb;
    /** The background colour, RGB in [0, 1]. */
    final double[] background;
    /** The shape's colour: the per-channel median of its most contrasted half. */
    final double[] paint;
    /** Pixel indices {@code y * width + x} of the shape's component. */
    final int[] pixels;
    /** Pixel indices of the component's most contrasted half, where the paint is read. */
    final int[] core;
    /** Per pixel (H * W): the estimated coverage by the shape, in [0, 1]. */
    final double[] coverage;
    /** The bounding box of the non-zero coverage: x0, y0, x1, y1 inclusive. */
    final int[] support;

    private Foreground(int height, int width, double[] rgb, double[] background, double[] paint, int[] pixels,
            int[] core, double[] coverage, int[] support) {
        this.height = height;
        this.width = width;
        this.rgb = rgb;
        this.background = background;
        this.paint = paint;
        this.pixels = pixels;
        this.core = core;
        this.coverage = coverage;
        this.support = support;
    }

    /** The shape of an image, (3, H, W) RGB in [0, 1]; null if there is none. */
    static Foreground find(double[] rgb, int height, int width) {
        int n = height * width;
        int[] border = border(height, width);
        double[] bg = new double[3];
        for (int c = 0; c < 3; c++) {
            double[] v = new double[border.length];
            for (int i = 0; i < border.length; i++) {
                v[i] = rgb[c * n + border[i]];
            }
            bg[c] = median(v);
        }
        double[] contrast = new double[n];
        for (int p = 0; p < n; p++) {
            double s = 0;
            for (int c = 0; c < 3; c++) {
                double d = rgb[c * n + p] - bg[c];
                s += d * d;
            }
            contrast[p] = Math.sqrt(s);
        }
        double[] onBorder = new double[border.length];
        for (int i = 0; i < border.length; i++) {
            onBorder[i] = contrast[border[i]];
        }
        double bgLevel = median(onBorder);
        // pass 1: against a robust maximum (the k-th largest contrast)
        double[] sorted = contrast.clone();
        Arrays.sort(sorted);
        double peak = sorted[n - Math.max(3, n / 500)];
        if (peak - bgLevel < MIN_CONTRAST) {
            return null;
        }
        int[] comp = largestComponent(contrast, (bgLevel + peak) / 2, height, width, null);
        if (comp.length < MIN_AREA) {
            return null;
        }
        // pass 2: against the median contrast of the first component
        double fgLevel = median(gather(contrast, comp));
        if (fgLevel - bgLevel < MIN_CONTRAST) {
            return null;
        }
        double threshold = (bgLevel + fgLevel) / 2;
        int[] above = new int[1];
        comp = largestComponent(contrast, threshold, height, width, above);
        if (comp.length < MIN_AREA || comp.length < MIN_DOMINANCE * above[0] || comp.length > MAX_COVER * n) {
            return null;
        }
        double[] compContrast = gather(contrast, comp);
        double coreLevel = median(compContrast);
        int[] core = Arrays.stream(comp).filter(p -> contrast[p] >= coreLevel).toArray();
        double[] paint = new double[3];
        for (int c = 0; c < 3; c++) {
            double[] v = new double[core.length];
            for (int i = 0; i < core.length; i++) {
                v[i] = rgb[c * n + core[i]];
            }
            paint[c] = median(v);
        }
        double[] dir = new double[3];
        double norm2 = 0;
        for (int c = 0; c < 3; c++) {
            dir[c] = paint[c] - bg[c];
            norm2 += dir[c] * dir[c];
        }
        // the halo around the component: coverage is read there and nowhere else
        boolean[] near = new boolean[n];
        for (int p : comp) {
            int y = p / width;
            int x = p % width;
            for (int yy = Math.max(0, y - HALO); yy <= Math.min(height - 1, y + HALO); yy++) {
                for (int xx = Math.max(0, x - HALO); xx <= Math.min(width - 1, x + HALO); xx++) {
                    near[yy * width + xx] = true;
                }
            }
        }
        double[] coverage = new double[n];
        int[] support = {width, height, -1, -1};
        for (int p = 0; p < n; p++) {
            if (!near[p]) {
                continue;
            }
            double dot = 0;
            for (int c = 0; c < 3; c++) {
                dot += (rgb[c * n + p] - bg[c]) * dir[c];
            }
            double a = Math.max(0, Math.min(MAX_COVERAGE, dot / norm2));
            coverage[p] = a;
            if (a > 0) {
                int y = p / width;
                int x = p % width;
                support[0] = Math.min(support[0], x);
                support[1] = Math.min(support[1], y);
                support[2] = Math.max(support[2], x);
                support[3] = Math.max(support[3], y);
            }
        }
        return new Foreground(height, width, rgb, bg, paint, comp, core, coverage, support);
    }

    /** The share of the image that the shape covers: the sum of coverage over H * W. */
    double coveredFraction() {
        double s = 0;
        for (double a : coverage) {
            s += a;
        }
        return s / coverage.length;
    }

    /** The colour of pixel {@code p}, RGB in [0, 1]. */
    double[] colourAt(int p) {
        int n = height * width;
        return new double[] {rgb[p], rgb[n + p], rgb[2 * n + p]};
    }

    // ---------------------------------------------------------------- helpers

    /** The indices of the outermost ring of pixels. */
    private static int[] border(int height, int width) {
        int[] out = new int[2 * width + 2 * (height - 2)];
        int k = 0;
        for (int x = 0; x < width; x++) {
            out[k++] = x;
            out[k++] = (height - 1) * width + x;
        }
        for (int y = 1; y < height - 1; y++) {
            out[k++] = y * width;
            out[k++] = y * width + width - 1;
        }
        return out;
    }

    /**
     * The largest 8-connected component of pixels with {@code value > threshold}, as pixel indices; the number of
     * such pixels in all components goes to {@code count[0]} if {@code count} is not null.
     */
    private static int[] largestComponent(double[] value, double threshold, int height, int width, int[] count) {
        int n = height * width;
        int[] label = new int[n];           // 0 = unvisited or below threshold, else component id
        int[] queue = new int[n];
        int best = 0;
        int bestSize = 0;
        int above = 0;
        int next = 0;
        for (int start = 0; start < n; start++) {
            if (label[start] != 0 || !(value[start] > threshold)) {
                continue;
            }
            int id = ++next;
            int head = 0;
            int tail = 0;
            queue[tail++] = start;
            label[start] = id;
            while (head < tail) {
                int p = queue[head++];
                int y = p / width;
                int x = p % width;
                for (int yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1); yy++) {
                    for (int xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) {
                        int q = yy * width + xx;
                        if (label[q] == 0 && value[q] > threshold) {
                            label[q] = id;
                            queue[tail++] = q;
                        }
                    }
                }
            }
            above += tail;
            if (tail > bestSize) {
                bestSize = tail;
                best = id;
            }
        }
        if (count != null) {
            count[0] = above;
        }
        int[] out = new int[bestSize];
        int k = 0;
        for (int p = 0; p < n && k < bestSize; p++) {
            if (label[p] == best && best != 0) {
                out[k++] = p;
            }
        }
        return out;
    }

    private static double[] gather(double[] values, int[] indices) {
        double[] out = new double[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = values[indices[i]];
        }
        return out;
    }

    /** The median of {@code v} (sorted in place); the upper median for an even length. */
    static double median(double[] v) {
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
