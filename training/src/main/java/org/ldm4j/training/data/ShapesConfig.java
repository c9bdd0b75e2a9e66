package org.ldm4j.training.data;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;

/**
 * The settings of a {@link ShapesDataset}: image size, how many shapes per image, which kinds and colours, what
 * the class label means, the background, and the anti-aliasing.
 *
 * <pre>{@code
 * ShapesConfig c = ShapesConfig.of(64)                                  // one shape per 64x64 image
 *         .withShapes(1, 3)                                           // one to three shapes
 *         .withLabels(ShapesConfig.Labels.SHAPE_AND_COLOUR)            // "red circle" is one class
 *         .withKinds(ShapeKind.CIRCLE, ShapeKind.SQUARE, ShapeKind.TRIANGLE);
 * }</pre>
 *
 * @param size image height and width in pixels, at least {@value #MIN_SIZE}
 * @param minShapes the fewest shapes per image, at least 1
 * @param maxShapes the most shapes per image, at most {@value #MAX_SHAPES} (one per region); shapes never overlap,
 *     so a crowded image may hold fewer than drawn, but never fewer than one
 * @param kinds the shape kinds drawn, distinct, in label order
 * @param colours the colours drawn, distinct, in label order
 * @param labels what an example's class label (and a layout box's class id) means
 * @param background plain or lightly textured
 * @param supersample anti-aliasing: each pixel is the mean of {@code supersample^2} point samples (1 = aliased)
 */
public record ShapesConfig(int size, int minShapes, int maxShapes, List<ShapeKind> kinds, List<ShapeColour> colours,
        Labels labels, Background background, int supersample) {
    /** The smallest image side. */
    public static final int MIN_SIZE = 16;
    /** The largest image side. */
    public static final int MAX_SIZE = 4096;
    /** The most shapes per image: one per region of the 3x3 grid. */
    public static final int MAX_SHAPES = 9;
    /** The largest supersampling factor. */
    public static final int MAX_SUPERSAMPLE = 16;

    /** What the class label of an example (that of its first shape) and the class id of a box mean. */
    public enum Labels {
        /** The shape kind: {@code kinds.indexOf(kind)}, named "circle". */
        SHAPE,
        /** The colour: {@code colours.indexOf(colour)}, named "red". */
        COLOUR,
        /** Both: {@code kindIndex * colours.size() + colourIndex}, named "red circle". */
        SHAPE_AND_COLOUR
    }

    /** The background behind the shapes: always dark, so that every colour (white too) stands out. */
    public enum Background {
        /** One dark colour per image. */
        PLAIN,
        /** One dark colour per image, a gentle linear gradient and a little per-pixel grain. */
        TEXTURED
    }

    public ShapesConfig {
        if (size < MIN_SIZE || size > MAX_SIZE) {
            throw new IllegalArgumentException("size: expected an image side in [" + MIN_SIZE + ", " + MAX_SIZE
                    + "], got " + size);
        }
        if (minShapes < 1 || maxShapes > MAX_SHAPES || minShapes > maxShapes) {
            throw new IllegalArgumentException("shapes: expected 1 <= minShapes <= maxShapes <= " + MAX_SHAPES
                    + ", got minShapes " + minShapes + ", maxShapes " + maxShapes);
        }
        kinds = List.copyOf(Objects.requireNonNull(kinds, "kinds"));
        colours = List.copyOf(Objects.requireNonNull(colours, "colours"));
        if (kinds.isEmpty() || kinds.size() != EnumSet.copyOf(kinds).size()) {
            throw new IllegalArgumentException("kinds: expected at least one shape kind, each once, got " + kinds);
        }
        if (colours.isEmpty() || colours.size() != EnumSet.copyOf(colours).size()) {
            throw new IllegalArgumentException("colours: expected at least one colour, each once, got " + colours);
        }
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(background, "background");
        if (supersample < 1 || supersample > MAX_SUPERSAMPLE) {
            throw new IllegalArgumentException("supersample: expected a factor in [1, " + MAX_SUPERSAMPLE + "], got "
                    + supersample);
        }
    }

    /**
     * The defaults at a given image side: one shape per image, every kind and colour, labels = shape kind,
     * textured background, 4x4 supersampling.
     */
    public static ShapesConfig of(int size) {
        return new ShapesConfig(size, 1, 1, List.of(ShapeKind.values()), List.of(ShapeColour.values()), Labels.SHAPE,
                Background.TEXTURED, 4);
    }

    public ShapesConfig withSize(int newSize) {
        return new ShapesConfig(newSize, minShapes, maxShapes, kinds, colours, labels, background, supersample);
    }

    public ShapesConfig withShapes(int min, int max) {
        return new ShapesConfig(size, min, max, kinds, colours, labels, background, supersample);
    }

    public ShapesConfig withKinds(ShapeKind... newKinds) {
        return new ShapesConfig(size, minShapes, maxShapes, List.of(newKinds), colours, labels, background,
                supersample);
    }

    public ShapesConfig withColours(ShapeColour... newColours) {
        return new ShapesConfig(size, minShapes, maxShapes, kinds, List.of(newColours), labels, background,
                supersample);
    }

    public ShapesConfig withLabels(Labels newLabels) {
        return new ShapesConfig(size, minShapes, maxShapes, kinds, colours, newLabels, background, supersample);
    }

    public ShapesConfig withBackground(Background newBackground) {
        return new ShapesConfig(size, minShapes, maxShapes, kinds, colours, labels, newBackground, supersample);
    }

    public ShapesConfig withSupersample(int factor) {
        return new ShapesConfig(size, minShapes, maxShapes, kinds, colours, labels, background, factor);
    }

    /** The number of classes that {@link #labels} gives. */
    public int numClasses() {
        return switch (labels) {
            case SHAPE -> kinds.size();
            case COLOUR -> colours.size();
            case SHAPE_AND_COLOUR -> kinds.size() * colours.size();
        };
    }

    /** The class of a shape of this kind and colour. */
    public int classOf(ShapeKind kind, ShapeColour colour) {
        int k = kinds.indexOf(kind);
        int c = colours.indexOf(colour);
        if (k < 0) {
            throw new IllegalArgumentException("kind: expected one of " + kinds + ", got " + kind);
        }
        if (c < 0) {
            throw new IllegalArgumentException("colour: expected one of " + colours + ", got " + colour);
        }
        return switch (labels) {
            case SHAPE -> k;
            case COLOUR -> c;
            case SHAPE_AND_COLOUR -> k * colours.size() + c;
        };
    }

    /** The name of class {@code label}: "circle", "red" or "red circle". */
    public String className(int label) {
        if (label < 0 || label >= numClasses()) {
            throw new IllegalArgumentException("label: expected a class in [0, " + numClasses() + "), got " + label);
        }
        return switch (labels) {
            case SHAPE -> kinds.get(label).word();
            case COLOUR -> colours.get(label).word();
            case SHAPE_AND_COLOUR -> colours.get(label % colours.size()).word() + " "
                    + kinds.get(label / colours.size()).word();
        };
    }
}
