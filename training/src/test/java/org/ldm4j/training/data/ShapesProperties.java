package org.ldm4j.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class ShapesProperties {

    @Property(tries = 60)
    void everyExampleIsDeterministicWellFormedAndAgreesWithItsCaption(@ForAll long seed,
            @ForAll @LongRange(min = 0, max = Long.MAX_VALUE - 1) long index,
            @ForAll @IntRange(min = 16, max = 80) int size,
            @ForAll @IntRange(min = 1, max = 4) int maxShapes,
            @ForAll ShapesConfig.Labels labels,
            @ForAll ShapesConfig.Background background) {
        ShapesConfig cfg = ShapesConfig.of(size).withShapes(1, maxShapes).withLabels(labels).withBackground(background);
        ShapesDataset d = new ShapesDataset(cfg, seed);
        Example e = d.get(index);
        assertEquals(e, new ShapesDataset(cfg, seed).get(index), "a fresh dataset regenerates the example");

        assertEquals(size, e.height());
        assertEquals(size, e.width());
        for (float v : e.pixels()) {
            assertTrue(v >= -1 && v <= 1, "value " + v);
        }
        assertTrue(e.label() >= 0 && e.label() < d.numClasses(), "label " + e.label());

        List<PlacedShape> scene = d.scene(index);
        assertTrue(scene.size() >= 1 && scene.size() <= maxShapes, "shapes: " + scene.size());
        assertEquals(scene.size(), e.layout().size());
        List<SceneChecks.Phrase> phrases = SceneChecks.parse(e.caption());
        assertEquals(scene.size(), phrases.size(), e.caption());
        for (int i = 0; i < scene.size(); i++) {
            Box b = e.layout().get(i);
            assertTrue(b.classId() < d.numClasses());
            assertTrue(b.x0() > 0 && b.y0() > 0 && b.x1() < 1 && b.y1() < 1, "box inside the border: " + b);
            assertEquals(phrases.get(i).region(), Region.of(b.centerX(), b.centerY()), e.caption() + " / " + b);
            assertEquals(cfg.classOf(phrases.get(i).kind(), phrases.get(i).colour()), b.classId());
            for (int j = i + 1; j < scene.size(); j++) {
                assertFalse(scene.get(i).overlaps(scene.get(j), 0), "shapes " + i + " and " + j + " overlap");
            }
        }
        if (size >= 32) {
            SceneChecks.checkAgreement(d, index, e);
        }
    }

    @Property(tries = 30)
    void nearbyIndicesGiveDifferentImages(@ForAll long seed, @ForAll @LongRange(min = 0, max = 1L << 40) long index) {
        ShapesDataset d = ShapesDataset.of(16, seed);
        assertFalse(Arrays.equals(d.get(index).pixels(), d.get(index + 1).pixels()));
    }
}
