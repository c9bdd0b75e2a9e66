package org.ldm4j.training.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.io.Json;
import org.ldm4j.training.data.ShapeColour;
import org.ldm4j.training.data.ShapeKind;
import org.ldm4j.training.data.ShapesConfig;

/** The counts, accuracies, text and JSON of a report over hand-made verdicts. */
class FidelityReportTest {
    /** Two kinds by two colours: classes 0 red circle, 1 blue circle, 2 red square, 3 blue square. */
    private static final ShapesConfig BOTH = ShapesConfig.of(32).withKinds(ShapeKind.CIRCLE, ShapeKind.SQUARE)
            .withColours(ShapeColour.RED, ShapeColour.BLUE).withLabels(ShapesConfig.Labels.SHAPE_AND_COLOUR);

    private static Verdict seen(ShapesConfig config, ShapeKind kind, ShapeColour colour) {
        return new Verdict(true, kind, colour, config.classOf(kind, colour), 0.99, 1, 0.05,
                Map.of(kind, 0.99));
    }

    @Test
    void countsAndAccuraciesUnderShapeAndColourLabels() {
        List<Verdict> verdicts = List.of(
                seen(BOTH, ShapeKind.CIRCLE, ShapeColour.RED),      // asked 0 red circle: right
                seen(BOTH, ShapeKind.CIRCLE, ShapeColour.RED),      // asked 1 blue circle: kind right, colour wrong
                seen(BOTH, ShapeKind.CIRCLE, ShapeColour.RED),      // asked 2 red square: colour right, kind wrong
                Verdict.none(),                                      // asked 3: nothing found
                seen(BOTH, ShapeKind.SQUARE, ShapeColour.BLUE));    // asked 3 blue square: right
        FidelityReport r = FidelityReport.of(BOTH, verdicts, new long[] {0, 1, 2, 3, 3});
        assertEquals(5, r.count());
        assertEquals(4, r.foundCount());
        assertEquals(2, r.correctCount());
        assertEquals(0.4, r.classAccuracy(), 1e-12);
        assertEquals(0.6, r.kindAccuracy().getAsDouble(), 1e-12);      // asked 0, 1, 3(b)
        assertEquals(0.6, r.colourAccuracy().getAsDouble(), 1e-12);    // asked 0, 2, 3(b)
        assertEquals(0.8, r.foundRate(), 1e-12);
        assertEquals(0.25, r.chance(), 1e-12);
        assertEquals(1.0, r.classAccuracy(0).getAsDouble());
        assertEquals(0.0, r.classAccuracy(1).getAsDouble());
        assertEquals(0.5, r.classAccuracy(3).getAsDouble());
        assertEquals(2, r.classCount(3));
        assertEquals(1, r.classCorrect(3));
        int[][] confusion = r.confusion();
        assertArrayEquals(new int[] {1, 0, 0, 0, 0}, confusion[0]);
        assertArrayEquals(new int[] {1, 0, 0, 0, 0}, confusion[1]);
        assertArrayEquals(new int[] {1, 0, 0, 0, 0}, confusion[2]);
        assertArrayEquals(new int[] {0, 0, 0, 1, 1}, confusion[3]);     // last column: no shape found
        confusion[0][0] = 99;
        assertEquals(1, r.confusion()[0][0], "confusion() is a copy");
    }

    @Test
    void kindOrColourAccuracyIsAbsentWhenTheLabelsDoNotNameIt() {
        ShapesConfig shape = BOTH.withLabels(ShapesConfig.Labels.SHAPE);
        FidelityReport byShape = FidelityReport.of(shape, List.of(seen(shape, ShapeKind.SQUARE, ShapeColour.RED),
                seen(shape, ShapeKind.SQUARE, ShapeColour.BLUE)), new long[] {1, 0});
        assertEquals(0.5, byShape.classAccuracy());
        assertEquals(0.5, byShape.kindAccuracy().getAsDouble());
        assertFalse(byShape.colourAccuracy().isPresent());
        assertEquals(0.5, byShape.chance());

        ShapesConfig colour = BOTH.withLabels(ShapesConfig.Labels.COLOUR);
        FidelityReport byColour = FidelityReport.of(colour, List.of(seen(colour, ShapeKind.SQUARE, ShapeColour.RED),
                seen(colour, ShapeKind.CIRCLE, ShapeColour.RED)), new long[] {0, 0});
        assertEquals(1.0, byColour.classAccuracy());
        assertEquals(1.0, byColour.colourAccuracy().getAsDouble());
        assertFalse(byColour.kindAccuracy().isPresent());
        assertFalse(byColour.classAccuracy(1).isPresent(), "no samples asked of blue");
    }

    @Test
    void theTextReportShowsFidelityAgainstChanceAndEveryClass() {
        FidelityReport r = FidelityReport.of(BOTH, List.of(seen(BOTH, ShapeKind.CIRCLE, ShapeColour.RED),
                Verdict.none()), new long[] {0, 3});
        String text = r.toString();
        assertTrue(text.startsWith("shapes fidelity: 1/2 samples match the requested class (50.0%), chance 25.0%"),
                text);
        assertTrue(text.contains("labels SHAPE_AND_COLOUR, 4 classes; shape found in 1/2; kind 50.0%, colour 50.0%"),
                text);
        assertTrue(text.contains("red circle     1/1    100.0%"), text);
        assertTrue(text.contains("blue circle    0/0    n/a"), text);
        assertTrue(text.contains("blue square    0/1    0.0%"), text);
        assertEquals(6, text.lines().count(), text);
        String colourOnly = FidelityReport.of(BOTH.withLabels(ShapesConfig.Labels.COLOUR), List.of(Verdict.none()),
                new long[] {1}).toString();
        assertTrue(colourOnly.contains("kind n/a, colour 0.0%"), colourOnly);
    }

    @Test
    void theJsonFormReadsBackWithNullForWhatDoesNotApply() throws Json.ParseException {
        ShapesConfig colour = BOTH.withLabels(ShapesConfig.Labels.COLOUR);
        FidelityReport r = FidelityReport.of(colour, List.of(seen(colour, ShapeKind.SQUARE, ShapeColour.BLUE),
                Verdict.none(), seen(colour, ShapeKind.SQUARE, ShapeColour.RED)), new long[] {1, 1, 1});
        Map<?, ?> json = (Map<?, ?>) Json.parse(r.toJson());
        assertEquals("COLOUR", json.get("labels"));
        assertEquals(2L, json.get("numClasses"));
        assertEquals(3L, json.get("samples"));
        assertEquals(2L, json.get("found"));
        assertEquals(1L, json.get("correct"));
        assertEquals(1.0 / 3, ((BigDecimal) json.get("classAccuracy")).doubleValue(), 1e-12);
        assertEquals(Json.NULL, json.get("kindAccuracy"));
        assertEquals(1.0 / 3, ((BigDecimal) json.get("colourAccuracy")).doubleValue(), 1e-12);
        assertEquals(0.5, ((BigDecimal) json.get("chance")).doubleValue(), 1e-12);
        List<?> perClass = (List<?>) json.get("perClass");
        assertEquals(2, perClass.size());
        Map<?, ?> red = (Map<?, ?>) perClass.get(0);
        assertEquals("red", red.get("name"));
        assertEquals(0L, red.get("samples"));
        assertEquals(Json.NULL, red.get("accuracy"));
        assertEquals(List.of(List.of(0L, 0L, 0L), List.of(1L, 1L, 1L)), json.get("confusion"));
        assertEquals(Json.writeCompact(r.toMap()), Json.writeCompact(Json.parse(Json.writeCompact(r.toMap()))));
    }

    @Test
    void badInputIsRefusedWithArgumentExpectedAndFound() {
        Verdict v = seen(BOTH, ShapeKind.CIRCLE, ShapeColour.RED);
        expect(() -> FidelityReport.of(BOTH, List.of(), new long[0]),
                "verdicts: expected at least one sample, got none");
        expect(() -> FidelityReport.of(BOTH, List.of(v, v), new long[] {0}),
                "requested: expected one label per verdict, 2, got 1");
        expect(() -> FidelityReport.of(BOTH, List.of(v), new long[] {4}),
                "requested[0]: expected a class in [0, 4), got 4");
        ShapesConfig all = ShapesConfig.of(32).withLabels(ShapesConfig.Labels.SHAPE_AND_COLOUR);
        Verdict foreign = seen(all, ShapeKind.CROSS, ShapeColour.WHITE);
        expect(() -> FidelityReport.of(BOTH, List.of(foreign), new long[] {0}),
                "verdicts[0]: expected a predicted class in [0, 4), got 41 (a verdict of another config?)");
        FidelityReport r = FidelityReport.of(BOTH, List.of(v), new long[] {0});
        expect(() -> r.classAccuracy(4), "label: expected a class in [0, 4), got 4");
        assertThrows(NullPointerException.class, () -> FidelityReport.of(null, List.of(v), new long[] {0}));
    }

    @Test
    void verdictsAreValidated() {
        expect(() -> new Verdict(true, ShapeKind.CIRCLE, ShapeColour.RED, -1, 1, 1, 0.1, Map.of()),
                "predictedClass: expected a class >= 0 for a found shape, got -1");
        expect(() -> new Verdict(false, ShapeKind.CIRCLE, null, -1, 0, 0, 0, Map.of()),
                "verdict: expected no kind, colour or class without a shape, got CIRCLE, null, -1");
        expect(() -> new Verdict(true, ShapeKind.CIRCLE, ShapeColour.RED, 0, 1.5, 1, 0.1, Map.of()),
                "kindScore: expected a value in [0, 1], got 1.5");
        expect(() -> new Verdict(true, ShapeKind.CIRCLE, ShapeColour.RED, 0, 1, Double.NaN, 0.1, Map.of()),
                "colourScore: expected a value in [0, 1], got NaN");
        assertThrows(NullPointerException.class,
                () -> new Verdict(true, null, ShapeColour.RED, 0, 1, 1, 0.1, Map.of()));
        assertEquals("Verdict[no foreground]", Verdict.none().toString());
        assertEquals(0.5, new Verdict(true, ShapeKind.RING, ShapeColour.RED, 0, 0.5, 1, 0.1, Map.of()).confidence());
    }

    private static void expect(Runnable call, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertEquals(message, e.getMessage());
    }
}
