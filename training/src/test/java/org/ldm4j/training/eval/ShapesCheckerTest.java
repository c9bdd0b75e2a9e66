package org.ldm4j.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.training.data.Batch;
import org.ldm4j.training.data.Batches;
import org.ldm4j.training.data.Example;
import org.ldm4j.training.data.PlacedShape;
import org.ldm4j.training.data.ShapeKind;
import org.ldm4j.training.data.ShapesConfig;
import org.ldm4j.training.data.ShapesDataset;

/** What a verdict holds, images without a shape, and bad input. */
class ShapesCheckerTest {
    private static final ShapesConfig CONFIG = ShapesConfig.of(32).withLabels(ShapesConfig.Labels.SHAPE_AND_COLOUR);
    private static final ShapesDataset SHAPES = new ShapesDataset(CONFIG, 7);
    private static final ShapesChecker CHECKER = new ShapesChecker(CONFIG);

    @Test
    void aVerdictNamesTheShapeItsClassAndHowClearlyItWasSeen() {
        for (long i = 0; i < 12; i++) {
            Example e = SHAPES.get(i);
            PlacedShape s = SHAPES.scene(i).get(0);
            Verdict v = CHECKER.check(e);
            assertTrue(v.found(), "index " + i);
            assertEquals(s.kind(), v.kind(), "index " + i);
            assertEquals(s.colour(), v.colour(), "index " + i);
            assertEquals(e.label(), v.predictedClass(), "index " + i);
            assertTrue(v.matches(e.label()));
            assertTrue(v.kindScore() > 0.97, v.toString());
            assertTrue(v.colourScore() > 0.9, v.toString());
            assertTrue(v.confidence() > 0.85 && v.confidence() <= 1, v.toString());
            assertEquals(CONFIG.kinds().size(), v.kindScores().size());
            assertEquals(v.kindScore(), v.kindScores().get(v.kind()), 0);
            // coverage: the shape's area over the image's, within a few percent
            double area = areaInBoxUnits(s.kind()) * s.halfSize() * s.halfSize();
            assertEquals(area, v.coverage(), 0.12 * area, v.toString());
            assertTrue(v.toString().contains(s.colour().word() + " " + s.kind().word()), v.toString());
        }
    }

    @Test
    void everyEntryPointGivesTheSameDeterministicVerdict() {
        Batch batch = Batches.range(SHAPES, 0, 6);
        List<Verdict> batched = CHECKER.checkBatch(batch.images());
        assertEquals(6, batched.size());
        for (int i = 0; i < 6; i++) {
            Example e = SHAPES.get(i);
            Verdict v = CHECKER.check(e);
            assertEquals(v, batched.get(i), "index " + i);
            assertEquals(v, CHECKER.check(e.toTensor()), "index " + i);
            assertEquals(v, CHECKER.check(e.pixels(), 32, 32), "index " + i);
            assertEquals(v, new ShapesChecker(CONFIG).check(e), "a fresh checker, index " + i);
        }
    }

    @Test
    void blankImagesHoldNoShape() {
        for (float level : new float[] {-1, -0.7f, 0, 0.5f, 1}) {
            float[] img = new float[3 * 32 * 32];
            Arrays.fill(img, level);
            Verdict v = CHECKER.check(img, 32, 32);
            assertFalse(v.found(), "level " + level);
            assertNull(v.kind());
            assertNull(v.colour());
            assertEquals(Verdict.NO_CLASS, v.predictedClass());
            assertEquals(0, v.confidence());
            assertFalse(v.matches(0));
        }
        // a dark background with a gentle gradient and grain, and nothing on it
        float[] bg = new float[3 * 32 * 32];
        Rng rng = new Rng(3);
        for (int i = 0; i < bg.length; i++) {
            int x = i % 32;
            bg[i] = (float) (-0.7 + 0.004 * x + 0.02 * rng.nextGaussian());
        }
        assertFalse(CHECKER.check(bg, 32, 32).found());
    }

    @Test
    void pureNoiseHoldsNoShapeOrScoresNearChance() {
        int n = 60;
        Rng rng = new Rng(9);
        for (String kind : new String[] {"uniform", "gaussian", "blurred gaussian"}) {
            float[] all = new float[n * 3 * 32 * 32];
            long[] requested = new long[n];
            for (int b = 0; b < n; b++) {
                float[] img = new float[3 * 32 * 32];
                for (int i = 0; i < img.length; i++) {
                    img[i] = (float) (kind.equals("uniform") ? 2 * rng.nextDouble() - 1 : rng.nextGaussian());
                }
                if (kind.startsWith("blurred")) {
                    img = Degrade.blur(Degrade.blur(img, 32, 32), 32, 32);
                }
                System.arraycopy(img, 0, all, b * img.length, img.length);
                requested[b] = rng.nextLong(CONFIG.numClasses());
            }
            FidelityReport r = CHECKER.evaluate(Tensor.of(all, n, 3, 32, 32), requested);
            System.out.printf("[eval] %s noise: found %d/%d, class accuracy %.3f (chance %.3f)%n", kind,
                    r.foundCount(), n, r.classAccuracy(), r.chance());
            assertTrue(r.foundRate() <= 0.1, kind + ": " + r);
            assertTrue(r.classAccuracy() <= r.chance() + 0.05, kind + ": " + r);
        }
    }

    @Test
    void unclampedSamplesAreClampedAndNaNCountsAsBlack() {
        Example e = SHAPES.get(3);
        float[] px = e.pixels();
        float[] loud = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            loud[i] = 1.4f * px[i];          // a sample that overshoots [-1, 1]
        }
        Verdict v = CHECKER.check(loud, 32, 32);
        assertTrue(v.matches(e.label()), v.toString());
        float[] nan = new float[px.length];
        Arrays.fill(nan, Float.NaN);
        assertFalse(CHECKER.check(nan, 32, 32).found());
        float[] holes = px.clone();
        holes[0] = Float.NaN;
        holes[5] = Float.POSITIVE_INFINITY;
        assertTrue(CHECKER.check(holes, 32, 32).matches(e.label()));
    }

    @Test
    void aCheckerOfOneKindCallsEveryShapeThatKind() {
        ShapesConfig one = ShapesConfig.of(32).withKinds(ShapeKind.SQUARE);
        Verdict v = new ShapesChecker(one).check(SHAPES.get(0));
        assertTrue(v.found());
        assertEquals(ShapeKind.SQUARE, v.kind());
        assertEquals(0, v.predictedClass());
        assertEquals(1, v.kindScores().size());
    }

    @Test
    void imagesOfAnotherSizeThanTheConfigsAreCheckedToo() {
        ShapesDataset big = new ShapesDataset(CONFIG.withSize(40), 2);
        for (long i = 0; i < 4; i++) {
            assertTrue(CHECKER.check(big.get(i)).matches(big.get(i).label()), "index " + i);
        }
    }

    @Test
    void badShapesAreRefusedWithArgumentExpectedAndFound() {
        Tensor one = SHAPES.get(0).toTensor();
        expect(() -> CHECKER.check(Tensor.zeros(32, 32)), "image: expected shape [3, H, W], got [32, 32]");
        expect(() -> CHECKER.check(Tensor.zeros(1, 3, 32, 32)), "image: expected shape [3, H, W], got [1, 3, 32, 32]"
                + " (use checkBatch for a batch [B, 3, H, W])");
        expect(() -> CHECKER.check(Tensor.zeros(4, 32, 32)), "image: expected shape [3, H, W], got [4, 32, 32]");
        expect(() -> CHECKER.check(Tensor.zeros(3, 8, 32)), "image: expected height and width in [16, 4096], got"
                + " 8x32 in [3, 8, 32]");
        expect(() -> CHECKER.checkBatch(one), "images: expected shape [B, 3, H, W], got [3, 32, 32] (use check for"
                + " one image [3, H, W])");
        expect(() -> CHECKER.checkBatch(Tensor.zeros(2, 1, 32, 32)), "images: expected shape [B, 3, H, W], got"
                + " [2, 1, 32, 32]");
        expect(() -> CHECKER.check(new float[100], 32, 32), "chw: expected 3 * 32 * 32 = 3072 values, got 100");
        expect(() -> CHECKER.check(new float[3 * 10 * 10], 10, 10), "image: expected height and width in [16, 4096],"
                + " got 10x10 in [3, 10, 10]");
        assertThrows(NullPointerException.class, () -> CHECKER.check((Tensor) null));
        assertThrows(NullPointerException.class, () -> new ShapesChecker(null));
    }

    @Test
    void badLabelsAreRefusedWithArgumentExpectedAndFound() {
        Batch batch = Batches.range(SHAPES, 0, 4);
        expect(() -> CHECKER.evaluate(batch.images(), new long[3]),
                "requested: expected one label per image, 4, got 3");
        expect(() -> CHECKER.evaluate(batch.images(), Tensor.zeros(2, 2)),
                "requested: expected shape [B], got [2, 2]");
        expect(() -> CHECKER.evaluate(batch.images(), new long[] {0, 1, 42, 2}),
                "requested[2]: expected a class in [0, 42), got 42");
        expect(() -> CHECKER.evaluate(batch.images(), new long[] {0, -1, 1, 2}),
                "requested[1]: expected a class in [0, 42), got -1");
        expect(() -> CHECKER.evaluate(Tensor.zeros(0, 3, 32, 32), new long[0]),
                "verdicts: expected at least one sample, got none");
        FidelityReport r = CHECKER.evaluate(batch.images(), batch.labels());
        assertEquals(4, r.count());
        assertEquals(4, r.correctCount(), r.toString());
    }

    private static void expect(Runnable call, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertEquals(message, e.getMessage());
    }

    /** A kind's area in units of its box's half-side squared, over the image ([0, 1]^2): 4 * fraction of its box. */
    private static double areaInBoxUnits(ShapeKind kind) {
        int inside = 0;
        int n = 200;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (kind.contains(-1 + (2 * j + 1.0) / n, -1 + (2 * i + 1.0) / n)) {
                    inside++;
                }
            }
        }
        return 4.0 * inside / (n * n);
    }
}
