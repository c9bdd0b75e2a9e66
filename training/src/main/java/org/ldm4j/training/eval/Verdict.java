package org.ldm4j.training.eval;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.ldm4j.training.data.ShapeColour;
import org.ldm4j.training.data.ShapeKind;

/**
 * What {@link ShapesChecker} read in one image: whether it holds a shape at all, and if so its kind, its colour,
 * the class they make under the checker's {@link org.ldm4j.training.data.ShapesConfig.Labels} mode, and how
 * clearly.
 *
 * <pre>{@code
 * Verdict v = checker.check(image);                  // (3, H, W) in [-1, 1]
 * if (v.found() && v.matches(requested)) { ... }     // the class asked for
 * String s = v.colour().word() + " " + v.kind().word() + " " + v.confidence();   // "red circle 0.83"
 * }</pre>
 *
 * @param found whether a foreground shape was found; if not, the other fields are null, {@link #NO_CLASS} and 0
 * @param kind the recognised shape kind (one of the config's kinds)
 * @param colour the dominant foreground colour (one of the config's colours)
 * @param predictedClass {@code config.classOf(kind, colour)}, or {@link #NO_CLASS}
 * @param kindScore how well the kind fits: the cosine in [0, 1] of the shape's coverage with the kind's fitted
 *     template (above 0.97 for a clean shape; near ties between kinds mean an ambiguous shape)
 * @param colourScore how uniform the colour is: the share in [0, 1] of the shape's core pixels named {@code colour}
 * @param coverage the share of the image that the shape covers, in [0, 1]
 * @param kindScores the best-fit cosine of every candidate kind (empty if nothing was found), to see how close a
 *     runner-up came
 */
public record Verdict(boolean found, ShapeKind kind, ShapeColour colour, int predictedClass, double kindScore,
        double colourScore, double coverage, Map<ShapeKind, Double> kindScores) {
    /** The {@link #predictedClass} of an image without a shape. */
    public static final int NO_CLASS = -1;

    private static final Verdict NONE = new Verdict(false, null, null, NO_CLASS, 0, 0, 0, Map.of());

    public Verdict {
        Objects.requireNonNull(kindScores, "kindScores");
        kindScores = kindScores.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(kindScores));
        if (found) {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(colour, "colour");
            if (predictedClass < 0) {
                throw new IllegalArgumentException("predictedClass: expected a class >= 0 for a found shape, got "
                        + predictedClass);
            }
        } else if (kind != null || colour != null || predictedClass != NO_CLASS) {
            throw new IllegalArgumentException("verdict: expected no kind, colour or class without a shape, got "
                    + kind + ", " + colour + ", " + predictedClass);
        }
        check("kindScore", kindScore);
        check("colourScore", colourScore);
        check("coverage", coverage);
    }

    /** The verdict on an image without a shape. */
    public static Verdict none() {
        return NONE;
    }

    /** Whether a shape was found and its class is {@code label}. */
    public boolean matches(long label) {
        return found && predictedClass == label;
    }

    /** {@code kindScore * colourScore}: near 1 for a clean shape of one colour, 0 if nothing was found. */
    public double confidence() {
        return kindScore * colourScore;
    }

    @Override
    public String toString() {
        if (!found) {
            return "Verdict[no foreground]";
        }
        return String.format(Locale.ROOT,
                "Verdict[%s %s, class %d, kindScore %.3f, colourScore %.3f, coverage %.4f]", colour.word(),
                kind.word(), predictedClass, kindScore, colourScore, coverage);
    }

    private static void check(String name, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(name + ": expected a value in [0, 1], got " + v);
        }
    }
}
