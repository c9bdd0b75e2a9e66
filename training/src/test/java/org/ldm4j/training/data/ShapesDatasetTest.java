package org.ldm4j.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.tensor.Tensor;

class ShapesDatasetTest {
    private static final ShapesDataset SHAPES = ShapesDataset.of(32, 42);

    @Test
    void theSameSeedAndIndexGiveIdenticalExamplesInAnyOrder() {
        ShapesDataset a = new ShapesDataset(ShapesConfig.of(48).withShapes(1, 3), 7);
        ShapesDataset b = new ShapesDataset(ShapesConfig.of(48).withShapes(1, 3), 7);
        Example late = a.get(1_000_003);
        Example[] forward = new Example[20];
        for (int i = 0; i < 20; i++) {
            forward[i] = a.get(i);
        }
        for (int i = 19; i >= 0; i--) {
            assertEquals(forward[i], b.get(i), "index " + i);
        }
        assertEquals(late, b.get(1_000_003));
        assertArrayEquals(late.pixels(), b.get(1_000_003).pixels());
        assertEquals(a.get(Long.MAX_VALUE - 1), b.get(Long.MAX_VALUE - 1));
    }

    @Test
    void differentIndicesAndSeedsGiveDifferentImages() {
        Set<Integer> hashes = new HashSet<>();
        for (long i = 0; i < 50; i++) {
            hashes.add(Arrays.hashCode(SHAPES.get(i).pixels()));
        }
        assertEquals(50, hashes.size(), "50 indices should give 50 different images");
        assertFalse(Arrays.equals(SHAPES.get(3).pixels(), ShapesDataset.of(32, 43).get(3).pixels()));
    }

    @Test
    void examplesHaveTheConfiguredSizeAndValuesInMinusOneToOne() {
        for (int size : new int[] {16, 32, 64, 37}) {
            ShapesDataset d = ShapesDataset.of(size, 1);
            assertEquals(size, d.height());
            assertEquals(size, d.width());
            assertTrue(d.isUnbounded());
            for (long i = 0; i < 10; i++) {
                Example e = d.get(i);
                assertEquals(size, e.height());
                assertEquals(size, e.width());
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (float v : e.pixels()) {
                    assertTrue(v >= -1 && v <= 1, "value " + v);
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                assertTrue(max - min > 0.8, "a shape should stand out of the background: range " + min + ".." + max);
            }
        }
        Tensor t = SHAPES.get(0).toTensor();
        assertArrayEquals(new long[] {3, 32, 32}, t.shape());
        assertArrayEquals(SHAPES.get(0).pixels(), t.toFloatArray());
    }

    @Test
    void everyKindColourSizeAndRegionAppearsInAFewHundredSamples() {
        Set<ShapeKind> kinds = EnumSet.noneOf(ShapeKind.class);
        Set<ShapeColour> colours = EnumSet.noneOf(ShapeColour.class);
        Set<ShapeSize> sizes = EnumSet.noneOf(ShapeSize.class);
        Set<Region> regions = EnumSet.noneOf(Region.class);
        int[] labels = new int[SHAPES.numClasses()];
        for (long i = 0; i < 300; i++) {
            for (PlacedShape s : SHAPES.scene(i)) {
                kinds.add(s.kind());
                colours.add(s.colour());
                sizes.add(s.size());
                regions.add(s.region());
            }
            labels[SHAPES.get(i).label()]++;
        }
        assertEquals(EnumSet.allOf(ShapeKind.class), kinds);
        assertEquals(EnumSet.allOf(ShapeColour.class), colours);
        assertEquals(EnumSet.allOf(ShapeSize.class), sizes);
        assertEquals(EnumSet.allOf(Region.class), regions);
        for (int c = 0; c < labels.length; c++) {
            // 300 draws over 6 classes: 50 expected each; 25 is more than 5 standard deviations below
            assertTrue(labels[c] > 25, "class " + SHAPES.className(c) + " drawn " + labels[c] + " times of 300");
        }
    }

    @Test
    void captionsLayoutsAndPixelsAgreeForSingleShapes() {
        ShapesDataset d = ShapesDataset.of(64, 3);
        for (long i = 0; i < 200; i++) {
            Example e = d.get(i);
            SceneChecks.checkAgreement(d, i, e);
            PlacedShape s = d.scene(i).get(0);
            Box box = e.layout().get(0);
            int cx = (int) (box.centerX() * 64);
            int cy = (int) (box.centerY() * 64);
            float r = (e.pixel(0, cy, cx) + 1) / 2;
            float g = (e.pixel(1, cy, cx) + 1) / 2;
            float b = (e.pixel(2, cy, cx) + 1) / 2;
            if (s.kind() == ShapeKind.RING) {
                assertFalse(SceneChecks.isForeground(e, cy, cx), "a ring is hollow: " + e.caption());
            } else {
                assertEquals(s.colour(), ShapeColour.nearest(r, g, b), "the centre pixel of " + e.caption());
                assertTrue(Math.max(r, Math.max(g, b)) > 0.55, "the centre of a filled shape is bright");
            }
        }
        for (long i = 0; i < 200; i++) {
            SceneChecks.checkAgreement(SHAPES, i, SHAPES.get(i));
        }
    }

    @Test
    void captionsLayoutsAndPixelsAgreeForSeveralShapes() {
        ShapesDataset d = new ShapesDataset(ShapesConfig.of(64).withShapes(1, 4), 11);
        int[] counts = new int[5];
        for (long i = 0; i < 200; i++) {
            Example e = d.get(i);
            SceneChecks.checkAgreement(d, i, e);
            List<PlacedShape> scene = d.scene(i);
            counts[scene.size()]++;
            assertEquals(scene.size() - 1, e.caption().split(" and ").length - 1, e.caption());
            for (int a = 0; a < scene.size(); a++) {
                for (int b = a + 1; b < scene.size(); b++) {
                    assertFalse(scene.get(a).overlaps(scene.get(b), 0), "shapes " + a + " and " + b + " of " + i);
                    assertNotEquals(scene.get(a).region(), scene.get(b).region());
                }
            }
        }
        for (int n = 1; n <= 4; n++) {
            assertTrue(counts[n] > 20, "images with " + n + " shapes: " + counts[n] + " of 200");
        }
    }

    @Test
    void aFullGridOfNineShapesStillGivesOneToNineNonOverlappingShapes() {
        ShapesDataset d = new ShapesDataset(ShapesConfig.of(32).withShapes(9, 9), 5);
        for (long i = 0; i < 30; i++) {
            Example e = d.get(i);
            assertTrue(e.layout().size() >= 1 && e.layout().size() <= 9);
            SceneChecks.checkAgreement(d, i, e);
        }
    }

    @Test
    void labelModesNameTheirClasses() {
        ShapesConfig base = ShapesConfig.of(32);
        assertEquals(6, base.numClasses());
        assertEquals("circle", base.className(0));
        assertEquals("cross", base.className(5));
        ShapesConfig colour = base.withLabels(ShapesConfig.Labels.COLOUR);
        assertEquals(7, colour.numClasses());
        assertEquals("white", colour.className(6));
        ShapesConfig both = base.withLabels(ShapesConfig.Labels.SHAPE_AND_COLOUR);
        assertEquals(42, both.numClasses());
        assertEquals("red circle", both.className(0));
        assertEquals("green circle", both.className(1));
        assertEquals("red square", both.className(7));
        assertEquals(7 + 1, both.classOf(ShapeKind.SQUARE, ShapeColour.GREEN));

        ShapesDataset d = new ShapesDataset(base.withLabels(ShapesConfig.Labels.SHAPE_AND_COLOUR), 9);
        for (long i = 0; i < 50; i++) {
            Example e = d.get(i);
            PlacedShape s = d.scene(i).get(0);
            assertEquals(s.colour().word() + " " + s.kind().word(), d.className(e.label()));
            assertTrue(e.caption().startsWith("a " + s.size().word() + " " + d.className(e.label()) + " "),
                    e.caption());
        }
    }

    @Test
    void restrictedKindsAndColoursAreTheOnlyOnesDrawn() {
        ShapesConfig cfg = ShapesConfig.of(32).withKinds(ShapeKind.TRIANGLE, ShapeKind.RING)
                .withColours(ShapeColour.BLUE, ShapeColour.YELLOW).withShapes(1, 3);
        ShapesDataset d = new ShapesDataset(cfg, 2);
        assertEquals(2, d.numClasses());
        assertEquals("triangle", d.className(0));
        assertEquals("ring", d.className(1));
        for (long i = 0; i < 60; i++) {
            for (PlacedShape s : d.scene(i)) {
                assertTrue(cfg.kinds().contains(s.kind()) && cfg.colours().contains(s.colour()), s.toString());
            }
            SceneChecks.checkAgreement(d, i, d.get(i));
        }
    }

    @Test
    void supersamplingAntiAliasesEdgesAndPlainBackgroundsAreFlat() {
        ShapesConfig cfg = ShapesConfig.of(32).withKinds(ShapeKind.CIRCLE).withColours(ShapeColour.WHITE)
                .withBackground(ShapesConfig.Background.PLAIN);
        for (long i = 0; i < 10; i++) {
            Example sharp = new ShapesDataset(cfg.withSupersample(1), 4).get(i);
            Example smooth = new ShapesDataset(cfg, 4).get(i);
            float bg = sharp.pixel(1, 0, 0);
            int between = 0;
            for (int p = 32 * 32; p < 2 * 32 * 32; p++) {        // the green plane
                float vs = sharp.pixels()[p];
                assertTrue(vs == bg || vs > 0.3, "an aliased pixel is background or paint, got " + vs);
                float va = smooth.pixels()[p];
                between += va > bg + 0.1 && va < 0.3 ? 1 : 0;
            }
            assertTrue(between >= 4, "an anti-aliased circle has blended edge pixels, got " + between);
            Box box = smooth.layout().get(0);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    double cx = (x + 0.5) / 32;
                    double cy = (y + 0.5) / 32;
                    boolean near = cx > box.x0() - 1.0 / 32 && cx < box.x1() + 1.0 / 32 && cy > box.y0() - 1.0 / 32
                            && cy < box.y1() + 1.0 / 32;
                    if (!near) {
                        assertEquals(smooth.pixel(0, 0, 0), smooth.pixel(0, y, x), "plain background at " + y + "," + x);
                    }
                }
            }
        }
    }

    @Test
    void badArgumentsAreNamed() {
        IndexOutOfBoundsException neg = assertThrows(IndexOutOfBoundsException.class, () -> SHAPES.get(-1));
        assertTrue(neg.getMessage().contains("index") && neg.getMessage().contains("-1"), neg.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> ShapesConfig.of(15));
        assertTrue(small.getMessage().startsWith("size: expected") && small.getMessage().contains("15"));
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class,
                () -> ShapesConfig.of(32).withShapes(3, 2));
        assertTrue(shapes.getMessage().contains("minShapes 3"), shapes.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShapesConfig.of(32).withShapes(1, 10));
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> ShapesConfig.of(32).withKinds(ShapeKind.RING, ShapeKind.RING));
        assertTrue(dup.getMessage().startsWith("kinds:"), dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShapesConfig.of(32).withColours());
        assertThrows(IllegalArgumentException.class, () -> ShapesConfig.of(32).withSupersample(0));
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class, () -> SHAPES.className(6));
        assertTrue(label.getMessage().contains("[0, 6)") && label.getMessage().contains("6"), label.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ShapesConfig.of(32).withKinds(ShapeKind.RING).classOf(ShapeKind.CIRCLE, ShapeColour.RED));
        assertThrows(IllegalArgumentException.class, () -> new Box(0, 0.5, 0, 0.4, 1));
        assertThrows(IllegalArgumentException.class, () -> new Box(0, 0, 0, 1.5, 1));
        assertThrows(IllegalArgumentException.class, () -> new Example(new float[10], 2, 2, 0, "", List.of()));
    }

    @Test
    void regionsAndColoursHaveTheirNames() {
        assertEquals(Region.TOP_LEFT, Region.of(0.1, 0.1));
        assertEquals(Region.BOTTOM_RIGHT, Region.of(1, 1));
        assertEquals(Region.CENTER, Region.of(0.5, 0.5));
        assertEquals("at the top left", Region.TOP_LEFT.phrase());
        assertEquals("in the center", Region.CENTER.phrase());
        assertEquals("on the left", Region.LEFT.phrase());
        for (ShapeColour c : ShapeColour.values()) {
            double[] rgb = c.rgb();
            assertEquals(c, ShapeColour.nearest(rgb[0], rgb[1], rgb[2]));
        }
        assertEquals("a small red circle at the top left",
                new PlacedShape(ShapeKind.CIRCLE, ShapeColour.RED, ShapeSize.SMALL, Region.TOP_LEFT, 0.15, 0.15, 0.1)
                        .phrase());
    }
}
