package org.ldm4j.training.data;

import java.util.Locale;

/**
 * The sizes of {@link ShapesDataset}'s shapes, as the half-side of the shape's box relative to the image side.
 *
 * <pre>{@code
 * double side = 2 * ShapeSize.LARGE.halfSize() * 64;     // a large shape's box side in a 64x64 image, in pixels
 * }</pre>
 */
public enum ShapeSize {
    SMALL(0.10),
    MEDIUM(0.15),
    LARGE(0.21);

    private final double halfSize;

    ShapeSize(double halfSize) {
        this.halfSize = halfSize;
    }

    /** Half the side of the shape's box, as a fraction of the image side. */
    public double halfSize() {
        return halfSize;
    }

    /** The word in captions: "small". */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
