package org.ldm4j.training.data;

import java.util.Locale;

/**
 * The colours that {@link ShapesDataset} paints shapes with, as RGB in [0, 1] (before the small per-shape
 * jitter), all far from the dark background and from each other.
 *
 * <pre>{@code
 * ShapeColour.ORANGE.word();                                   // "orange"
 * ShapeColour c = ShapeColour.nearest(0.45, 0.1, 0.05);      // RED (a darker red is still red)
 * }</pre>
 */
public enum ShapeColour {
    RED(0.90, 0.12, 0.12),
    GREEN(0.15, 0.78, 0.20),
    BLUE(0.15, 0.35, 0.95),
    YELLOW(0.95, 0.90, 0.15),
    PURPLE(0.62, 0.20, 0.85),
    ORANGE(1.00, 0.55, 0.08),
    WHITE(0.95, 0.95, 0.95);

    private final double r;
    private final double g;
    private final double b;

    ShapeColour(double r, double g, double b) {
        this.r = r;
        this.g = g;
        this.b = b;
    }

    /** Red, green and blue in [0, 1]. */
    public double[] rgb() {
        return new double[] {r, g, b};
    }

    /** The word in captions and class names: "red". */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The colour closest to (r, g, b) in [0, 1]: a simple colour checker for foreground pixels. Colours are
     * compared by hue and saturation, not brightness: both sides are scaled so that their largest channel is 1,
     * then compared by Euclidean distance, so that a shaded or partly covered (darker) pixel keeps its name.
     */
    public static ShapeColour nearest(double r, double g, double b) {
        double m = Math.max(1e-6, Math.max(r, Math.max(g, b)));
        ShapeColour best = null;
        double bestD = Double.POSITIVE_INFINITY;
        for (ShapeColour c : values()) {
            double cm = Math.max(c.r, Math.max(c.g, c.b));
            double dr = c.r / cm - r / m;
            double dg = c.g / cm - g / m;
            double db = c.b / cm - b / m;
            double d = dr * dr + dg * dg + db * db;
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best;
    }
}
