package org.ldm4j.conditioning.layout;

import java.util.ArrayList;
import java.util.List;

/**
 * The objects of one image, in order, and the crop of the original image they were taken from (the reference's
 * {@code crop_coordinates}, encoded as two extra tokens by tokenizers that {@code encodeCrop}; the whole image
 * when not cropped). Box coordinates are relative to the whole image; {@link #inCropFrame()} re-expresses them
 * relative to the crop, as the reference does for builders that do not encode the crop.
 *
 * <pre>{@code
 * Layout l = Layout.of(new Box(3, 0.1, 0.1, 0.4, 0.6), new Box(8, 0.5, 0.2, 0.9, 0.9));
 * Layout empty = Layout.of();                     // no objects: the unconditional layout
 * Layout flipped = l.flippedHorizontally();       // the layout of the mirrored image
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
        for (int i = 0; i < objects.size(); i++) {
            if (objects.get(i) == null) {
                throw new IllegalArgumentException("objects[" + i + "]: expected a box, got null");
            }
        }
        objects = List.copyOf(objects);
    }

    /** The boxes, uncropped. */
    public static Layout of(Box... objects) {
        if (objects == null) {
            throw new IllegalArgumentException("objects: expected boxes, got null");
        }
        return new Layout(java.util.Arrays.asList(objects), Crop.FULL);
    }

    /**
     * The same objects relative to the crop, with the whole-image crop: the reference's
     * {@code filter_annotations} then {@code rescale_annotations(annotations, crop)}, which its builders apply
     * when they do not encode the crop. Objects whose overlap with the crop has zero area are dropped (as the
     * reference's filter, which drops degenerate boxes too); the others are clipped to the crop and rescaled,
     * {@code x' = (min(max(x, cx0), cx1) - cx0) / (cx1 - cx0)}. (The reference clamps the left edge but keeps
     * the width, so a box cut on the left keeps its full width; here it is cut.)
     *
     * @throws IllegalArgumentException if the crop has no area
     */
    public Layout inCropFrame() {
        double w = crop.x1() - crop.x0();
        double h = crop.y1() - crop.y0();
        if (!(w > 0 && h > 0)) {
            throw new IllegalArgumentException("crop: expected a positive width and height to rescale into, got "
                    + crop);
        }
        List<Box> out = new ArrayList<>(objects.size());
        for (Box b : objects) {
            double ox = Math.min(b.x1(), crop.x1()) - Math.max(b.x0(), crop.x0());
            double oy = Math.min(b.y1(), crop.y1()) - Math.max(b.y0(), crop.y0());
            if (!(ox > 0 && oy > 0)) {
                continue;                                   // intersection_area(bbox, crop) == 0
            }
            out.add(new Box(b.classId(), rescale(b.x0(), crop.x0(), crop.x1()), rescale(b.y0(), crop.y0(), crop.y1()),
                    rescale(b.x1(), crop.x0(), crop.x1()), rescale(b.y1(), crop.y0(), crop.y1())));
        }
        return new Layout(out, Crop.FULL);
    }

    /** v clipped to [lo, hi] and mapped to [0, 1]; monotone, so ordered corners stay ordered. */
    private static double rescale(double v, double lo, double hi) {
        double r = (Math.min(Math.max(v, lo), hi) - lo) / (hi - lo);
        return Math.min(1.0, Math.max(0.0, r));
    }

    /**
     * The layout of the horizontally mirrored image (the reference's {@code horizontally_flip_bbox}, applied to
     * the boxes and the crop): x becomes 1 - x, so (x0, x1) becomes (1 - x1, 1 - x0). Mirror the image with it.
     */
    public Layout flippedHorizontally() {
        List<Box> out = new ArrayList<>(objects.size());
        for (Box b : objects) {
            out.add(new Box(b.classId(), 1 - b.x1(), b.y0(), 1 - b.x0(), b.y1()));
        }
        return new Layout(out, new Crop(1 - crop.x1(), crop.y0(), 1 - crop.x0(), crop.y1()));
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
            Box.checkCorners("crop", x0, y0, x1, y1);
            x0 += 0.0;              // -0.0 -> 0.0, so that equal crops are equal records
            y0 += 0.0;
            x1 += 0.0;
            y1 += 0.0;
        }
    }
}
