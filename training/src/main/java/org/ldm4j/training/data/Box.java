package org.ldm4j.training.data;

/**
 * One box of a layout: a class id and corners normalised to [0, 1] (x to the right, y downwards), with
 * {@code x0 <= x1} and {@code y0 <= y1}.
 *
 * <pre>{@code
 * Box b = new Box(2, 0.1, 0.1, 0.3, 0.3);
 * int px = (int) (b.centerX() * width);          // the column of the box's centre
 * }</pre>
 *
 * @param classId the class of the object in the box (in the dataset's label space)
 * @param x0 left edge, in [0, 1]
 * @param y0 top edge, in [0, 1]
 * @param x1 right edge, in [x0, 1]
 * @param y1 bottom edge, in [y0, 1]
 */
public record Box(int classId, double x0, double y0, double x1, double y1) {
    public Box {
        if (classId < 0) {
            throw new IllegalArgumentException("classId: expected a non-negative class id, got " + classId);
        }
        check("x0", x0);
        check("y0", y0);
        check("x1", x1);
        check("y1", y1);
        if (x0 > x1 || y0 > y1) {
            throw new IllegalArgumentException("box: expected x0 <= x1 and y0 <= y1, got (" + x0 + ", " + y0 + ", "
                    + x1 + ", " + y1 + ")");
        }
    }

    private static void check(String name, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(name + ": expected a coordinate in [0, 1], got " + v);
        }
    }

    /** The horizontal centre, in [0, 1]. */
    public double centerX() {
        return (x0 + x1) / 2;
    }

    /** The vertical centre, in [0, 1]. */
    public double centerY() {
        return (y0 + y1) / 2;
    }

    public double width() {
        return x1 - x0;
    }

    public double height() {
        return y1 - y0;
    }

    /** Whether the normalised point (x, y) lies in the box (edges included). */
    public boolean contains(double x, double y) {
        return x >= x0 && x <= x1 && y >= y0 && y <= y1;
    }
}
