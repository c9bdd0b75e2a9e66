package org.ldm4j.training.data;

import java.util.Objects;

/**
 * One shape of a {@link ShapesDataset} scene: what it is and where it is. Its box is the square of half-side
 * {@code halfSize} around ({@code centerX}, {@code centerY}), all normalised to the image side, and lies inside
 * the image; the centre lies in {@code region}.
 *
 * <pre>{@code
 * PlacedShape s = shapes.scene(5).get(0);
 * String words = s.phrase();                 // "a large green triangle in the center"
 * Box box = s.box(label);
 * }</pre>
 *
 * @param kind the shape
 * @param colour its nominal colour
 * @param size its nominal size
 * @param region the grid region that holds its centre
 * @param centerX normalised x of the box's centre
 * @param centerY normalised y of the box's centre
 * @param halfSize half the box's side, normalised
 */
public record PlacedShape(ShapeKind kind, ShapeColour colour, ShapeSize size, Region region, double centerX,
        double centerY, double halfSize) {
    public PlacedShape {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(colour, "colour");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(region, "region");
        if (!(halfSize > 0 && centerX - halfSize >= -1e-9 && centerX + halfSize <= 1 + 1e-9
                && centerY - halfSize >= -1e-9 && centerY + halfSize <= 1 + 1e-9)) {
            throw new IllegalArgumentException("shape: expected a box inside the image, got centre (" + centerX + ", "
                    + centerY + ") and half-size " + halfSize);
        }
    }

    /** The shape in a caption: "a small red circle at the top left". */
    public String phrase() {
        return "a " + size.word() + " " + colour.word() + " " + kind.word() + " " + region.phrase();
    }

    /** The shape's box, labelled {@code classId}. */
    public Box box(int classId) {
        return new Box(classId, clamp(centerX - halfSize), clamp(centerY - halfSize), clamp(centerX + halfSize),
                clamp(centerY + halfSize));
    }

    /** Whether this shape's box, grown by {@code gap} on every side, meets {@code other}'s box. */
    public boolean overlaps(PlacedShape other, double gap) {
        double reach = halfSize + other.halfSize + gap;
        return Math.abs(centerX - other.centerX) < reach && Math.abs(centerY - other.centerY) < reach;
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(1, v));
    }
}
