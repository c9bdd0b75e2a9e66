package org.ldm4j.conditioning.layout;

/**
 * One object of a layout: a class id and a bounding box in coordinates normalised to [0, 1] (x to the right,
 * y down, (0, 0) the top-left corner of the image), top-left (x0, y0) and bottom-right (x1, y1).
 *
 * <pre>{@code
 * Box dog = new Box(17, 0.1, 0.4, 0.5, 0.95);     // class 17, left half, lower part
 * }</pre>
 *
 * @param classId the class id, in [0, classes) of the tokenizer
 * @param x0      left edge
 * @param y0      top edge
 * @param x1      right edge, at least x0
 * @param y1      bottom edge, at least y0
 */
public record Box(int classId, double x0, double y0, double x1, double y1) {

    /** Checks the id and that 0 <= x0 <= x1 <= 1 and 0 <= y0 <= y1 <= 1. */
    public Box {
        if (classId < 0) {
            throw new IllegalArgumentException("classId: expected a non-negative class id, got " + classId);
        }
        checkCorners("box", x0, y0, x1, y1);
        x0 += 0.0;                  // -0.0 -> 0.0, so that equal boxes are equal records
        y0 += 0.0;
        x1 += 0.0;
        y1 += 0.0;
    }

    /** The width x1 - x0. */
    public double width() {
        return x1 - x0;
    }

    /** The height y1 - y0. */
    public double height() {
        return y1 - y0;
    }

    /**
     * Checks normalised corners (boxes and crops), naming the first offending coordinate:
     * {@code "x1: expected x0 <= x1 <= 1, got 0.2 < x0 = 0.5 in box (0.5, 0.1, 0.2, 0.9)"}.
     */
    static void checkCorners(String what, double x0, double y0, double x1, double y1) {
        String where = " in " + what + " (" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + ")";
        inUnit("x0", x0, where);
        inUnit("y0", y0, where);
        inUnit("x1", x1, where);
        inUnit("y1", y1, where);
        if (x1 < x0) {
            throw new IllegalArgumentException("x1: expected x0 <= x1 <= 1 (right edge not left of the left edge), "
                    + "got " + x1 + " < x0 = " + x0 + where);
        }
        if (y1 < y0) {
            throw new IllegalArgumentException("y1: expected y0 <= y1 <= 1 (bottom edge not above the top edge), "
                    + "got " + y1 + " < y0 = " + y0 + where);
        }
    }

    private static void inUnit(String name, double v, String where) {
        if (!(v >= 0 && v <= 1)) {          // also rejects NaN
            throw new IllegalArgumentException(name + ": expected a normalised coordinate in [0, 1], got " + v
                    + where);
        }
    }
}
