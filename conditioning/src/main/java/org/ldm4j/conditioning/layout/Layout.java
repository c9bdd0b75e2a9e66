package org.ldm4j.conditioning.layout;

import java.util.List;

/**
 * The objects of one image, in order, and the crop of the original image they were taken from (the reference's
 * {@code crop_coordinates}, encoded as two extra tokens by tokenizers that {@code encodeCrop}; the whole image
 * when not cropped). Box coordinates are relative to the whole image.
 *
 * <pre>{@code
 * Layout l = Layout.of(new Box(3, 0.1, 0.1, 0.4, 0.6), new Box(8, 0.5, 0.2, 0.9, 0.9));
 * Layout empty = Layout.of();                     // no objects: the unconditional layout
 * }</pre>
 *
 * @param objects the boxes
 * @param crop    the crop of the original image
 */
public record Layout(List<Box> objects, Crop crop) {

    /** Copies the list; checks for nulls. */
    public Layout {
        if (objects == null || crop == null) {
            throw new IllegalArgumentException("layout: expected a list of boxes and a crop, got " + objects + ", "
                    + crop);
        }
        objects = List.copyOf(objects);
    }

    /** The boxes, uncropped. */
    public static Layout of(Box... objects) {
        return new Layout(List.of(objects), Crop.FULL);
    }

    /**
     * A region of the original image, normalised corners.
     *
     * <pre>{@code
     * Layout.Crop c = new Layout.Crop(0.0, 0.25, 1.0, 0.75);    // the middle half of the rows
     * }</pre>
     *
     * @param x0 left edge
     * @param y0 top edge
     * @param x1 right edge
     * @param y1 bottom edge
     */
    public record Crop(double x0, double y0, double x1, double y1) {
        /** The whole image, (0, 0, 1, 1). */
        public static final Crop FULL = new Crop(0, 0, 1, 1);

        /** Checks that 0 <= x0 <= x1 <= 1 and 0 <= y0 <= y1 <= 1. */
        public Crop {
            if (!(0 <= x0 && x0 <= x1 && x1 <= 1 && 0 <= y0 && y0 <= y1 && y1 <= 1)) {
                throw new IllegalArgumentException("crop: expected 0 <= x0 <= x1 <= 1 and 0 <= y0 <= y1 <= 1, got ("
                        + x0 + ", " + y0 + ", " + x1 + ", " + y1 + ")");
            }
        }
    }
}
