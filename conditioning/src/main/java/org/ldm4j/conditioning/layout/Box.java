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
        if (!(0 <= x0 && x0 <= x1 && x1 <= 1 && 0 <= y0 && y0 <= y1 && y1 <= 1)) {
            throw new IllegalArgumentException("box: expected 0 <= x0 <= x1 <= 1 and 0 <= y0 <= y1 <= 1 (normalised "
                    + "corners), got (" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + ")");
        }
    }
}
