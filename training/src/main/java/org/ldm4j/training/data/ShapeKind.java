package org.ldm4j.training.data;

import java.util.Locale;

/**
 * The kinds of shape that {@link ShapesDataset} draws, each defined by {@link #contains} in coordinates
 * relative to its box: {@code u} to the right and {@code v} downwards, both in [-1, 1] over the box.
 *
 * <pre>{@code
 * ShapeKind.CIRCLE.contains(0, 0);      // true: the centre
 * ShapeKind.RING.contains(0, 0);        // false: a ring is hollow
 * ShapeKind.TRIANGLE.word();            // "triangle"
 * }</pre>
 */
public enum ShapeKind {
    /** A disc. */
    CIRCLE,
    /** An axis-aligned filled square that fills its box. */
    SQUARE,
    /** An isosceles triangle pointing up, its base on the bottom of the box. */
    TRIANGLE,
    /** A square turned by 45 degrees, its corners on the middles of the box's sides. */
    DIAMOND,
    /** A hollow circle (an annulus). */
    RING,
    /** A plus sign. */
    CROSS;

    /** Inner radius of a {@link #RING}, relative to its outer radius. */
    public static final double RING_INNER = 0.5;
    /** Half-width of the arms of a {@link #CROSS}, relative to the half-size of its box. */
    public static final double CROSS_ARM = 0.34;

    /** Whether the point (u, v) of the box, both in [-1, 1], lies inside the shape. */
    public boolean contains(double u, double v) {
        return switch (this) {
            case CIRCLE -> u * u + v * v <= 1;
            case SQUARE -> Math.abs(u) <= 1 && Math.abs(v) <= 1;
            // apex at (0, -1), base from (-1, 1) to (1, 1)
            case TRIANGLE -> v >= -1 && v <= 1 && Math.abs(u) <= (v + 1) / 2;
            case DIAMOND -> Math.abs(u) + Math.abs(v) <= 1;
            case RING -> {
                double r2 = u * u + v * v;
                yield r2 <= 1 && r2 >= RING_INNER * RING_INNER;
            }
            case CROSS -> (Math.abs(u) <= CROSS_ARM && Math.abs(v) <= 1) || (Math.abs(v) <= CROSS_ARM && Math.abs(u) <= 1);
        };
    }

    /**
     * A point (u, v) deep inside the shape, where its colour can be read: the box's centre, except for a
     * triangle (its centroid) and a ring (the middle of its right side).
     */
    public double[] interiorPoint() {
        return switch (this) {
            case TRIANGLE -> new double[] {0, 1.0 / 3};
            case RING -> new double[] {(1 + RING_INNER) / 2, 0};
            default -> new double[] {0, 0};
        };
    }

    /** The word in captions and class names: "circle". */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
