package org.ldm4j.training.data;

/**
 * The nine named regions of a 3x3 grid over the image, in which {@link ShapesDataset} places the centres of its
 * shapes.
 *
 * <pre>{@code
 * Region r = Region.of(0.1, 0.1);       // TOP_LEFT
 * r.phrase();                           // "at the top left"
 * Region.CENTER.phrase();               // "in the center"
 * }</pre>
 */
public enum Region {
    TOP_LEFT(0, 0, "top left", "at the"),
    TOP(0, 1, "top", "at the"),
    TOP_RIGHT(0, 2, "top right", "at the"),
    LEFT(1, 0, "left", "on the"),
    CENTER(1, 1, "center", "in the"),
    RIGHT(1, 2, "right", "on the"),
    BOTTOM_LEFT(2, 0, "bottom left", "at the"),
    BOTTOM(2, 1, "bottom", "at the"),
    BOTTOM_RIGHT(2, 2, "bottom right", "at the");

    private final int row;
    private final int column;
    private final String label;
    private final String preposition;

    Region(int row, int column, String label, String preposition) {
        this.row = row;
        this.column = column;
        this.label = label;
        this.preposition = preposition;
    }

    /** Grid row: 0 (top) to 2 (bottom). */
    public int row() {
        return row;
    }

    /** Grid column: 0 (left) to 2 (right). */
    public int column() {
        return column;
    }

    /** The region's name: "top left", "center". */
    public String label() {
        return label;
    }

    /** The region in a caption: "at the top left", "on the left", "in the center". */
    public String phrase() {
        return preposition + " " + label;
    }

    /** The normalised x of the region's centre. */
    public double centerX() {
        return (column + 0.5) / 3;
    }

    /** The normalised y of the region's centre. */
    public double centerY() {
        return (row + 0.5) / 3;
    }

    /** The region that holds the normalised point (x, y), each in [0, 1]. */
    public static Region of(double x, double y) {
        if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) {
            throw new IllegalArgumentException("point: expected (x, y) in [0, 1]^2, got (" + x + ", " + y + ")");
        }
        int c = Math.min(2, (int) (x * 3));
        int r = Math.min(2, (int) (y * 3));
        return values()[r * 3 + c];
    }
}
