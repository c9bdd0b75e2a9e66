package org.ldm4j.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Checks shared by the shapes tests: that captions, layouts and pixels of an example tell the same story. */
final class SceneChecks {
    /** One phrase of a caption: "a small red circle at the top left" (longest region names first). */
    static final Pattern PHRASE = Pattern.compile("a (" + words(ShapeSize.values(), ShapeSize::word) + ") ("
            + words(ShapeColour.values(), ShapeColour::word) + ") (" + words(ShapeKind.values(), ShapeKind::word)
            + ") (at|on|in) the (" + Arrays.stream(Region.values()).map(Region::label)
                    .sorted(Comparator.comparingInt(String::length).reversed()).collect(Collectors.joining("|"))
            + ")");

    /** A background pixel never exceeds this value in any channel (in [-1, 1]); every paint does. */
    static final double FOREGROUND = -0.3;

    private SceneChecks() {
    }

    private static <T> String words(T[] values, Function<T, String> word) {
        return Arrays.stream(values).map(word).collect(Collectors.joining("|"));
    }

    record Phrase(ShapeSize size, ShapeColour colour, ShapeKind kind, Region region) {
    }

    /** The phrases of a caption, which must consist of nothing else. */
    static List<Phrase> parse(String caption) {
        List<Phrase> out = new ArrayList<>();
        for (String part : caption.split(" and ")) {
            Matcher m = PHRASE.matcher(part);
            assertTrue(m.matches(), "caption phrase \"" + part + "\" of \"" + caption + "\"");
            Region region = null;
            for (Region r : Region.values()) {
                if (r.label().equals(m.group(5))) {
                    region = r;
                }
            }
            out.add(new Phrase(ShapeSize.valueOf(m.group(1).toUpperCase(Locale.ROOT)),
                    ShapeColour.valueOf(m.group(2).toUpperCase(Locale.ROOT)),
                    ShapeKind.valueOf(m.group(3).toUpperCase(Locale.ROOT)), region));
            assertEquals(region.phrase(), m.group(4) + " the " + m.group(5), "preposition of " + part);
        }
        return out;
    }

    /**
     * The colour at the shape's interior point: of the 3x3 pixels around it, the brightest (the most covered by
     * the shape, at small sizes), named by {@link ShapeColour#nearest}.
     */
    static ShapeColour colourAt(Example e, PlacedShape s) {
        double[] uv = s.kind().interiorPoint();
        int px = (int) ((s.centerX() + uv[0] * s.halfSize()) * e.width());
        int py = (int) ((s.centerY() + uv[1] * s.halfSize()) * e.height());
        double[] best = null;
        for (int y = Math.max(0, py - 1); y <= Math.min(e.height() - 1, py + 1); y++) {
            for (int x = Math.max(0, px - 1); x <= Math.min(e.width() - 1, px + 1); x++) {
                double[] rgb = {(e.pixel(0, y, x) + 1) / 2, (e.pixel(1, y, x) + 1) / 2, (e.pixel(2, y, x) + 1) / 2};
                if (best == null || rgb[0] + rgb[1] + rgb[2] > best[0] + best[1] + best[2]) {
                    best = rgb;
                }
            }
        }
        return ShapeColour.nearest(best[0], best[1], best[2]);
    }

    /** Whether any channel of pixel (y, x) is brighter than the background can be. */
    static boolean isForeground(Example e, int y, int x) {
        return e.pixel(0, y, x) > FOREGROUND || e.pixel(1, y, x) > FOREGROUND || e.pixel(2, y, x) > FOREGROUND;
    }

    /**
     * Checks an example of {@code data} against its scene: caption phrases, layout boxes and label agree with the
     * scene; every shape shows its colour at its interior point; every foreground pixel lies in some box (grown
     * by one pixel); and every box holds foreground pixels.
     */
    static void checkAgreement(ShapesDataset data, long index, Example e) {
        List<PlacedShape> scene = data.scene(index);
        List<Phrase> phrases = parse(e.caption());
        assertEquals(scene.size(), phrases.size(), e.caption());
        assertEquals(scene.size(), e.layout().size(), "layout of " + e.caption());
        ShapesConfig cfg = data.config();
        assertEquals(cfg.classOf(scene.get(0).kind(), scene.get(0).colour()), e.label(), "label of " + e.caption());
        for (int i = 0; i < scene.size(); i++) {
            PlacedShape s = scene.get(i);
            Phrase p = phrases.get(i);
            Box b = e.layout().get(i);
            assertEquals(new Phrase(s.size(), s.colour(), s.kind(), s.region()), p, e.caption());
            assertEquals(cfg.classOf(s.kind(), s.colour()), b.classId(), "class id of box " + i);
            assertEquals(s.region(), Region.of(b.centerX(), b.centerY()), "region of box " + b + " in " + e.caption());
            assertEquals(2 * s.size().halfSize(), b.width(), 1e-9, "box width of a " + s.size());
            assertEquals(2 * s.size().halfSize(), b.height(), 1e-9, "box height of a " + s.size());
            assertEquals(s.colour(), colourAt(e, s), "colour at the interior of " + s.phrase() + " (index " + index
                    + ")");
            int inside = 0;
            for (int y = (int) (b.y0() * e.height()); y < Math.min(e.height(), b.y1() * e.height()); y++) {
                for (int x = (int) (b.x0() * e.width()); x < Math.min(e.width(), b.x1() * e.width()); x++) {
                    inside += isForeground(e, y, x) ? 1 : 0;
                }
            }
            assertTrue(inside > 0, "no foreground pixels in box " + b + " of " + s.phrase());
        }
        for (int y = 0; y < e.height(); y++) {
            for (int x = 0; x < e.width(); x++) {
                if (!isForeground(e, y, x)) {
                    continue;
                }
                boolean covered = false;
                for (Box b : e.layout()) {
                    double gx = 1.0 / e.width();
                    double gy = 1.0 / e.height();
                    covered |= (x + 1) * gx >= b.x0() - gx && x * gx <= b.x1() + gx
                            && (y + 1) * gy >= b.y0() - gy && y * gy <= b.y1() + gy;
                }
                assertTrue(covered, "foreground pixel (" + y + ", " + x + ") outside every box of \"" + e.caption()
                        + "\" (index " + index + ")");
            }
        }
    }
}
