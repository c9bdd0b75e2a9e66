package org.ldm4j.training.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.ldm4j.core.random.Rng;

/**
 * The built-in synthetic dataset: procedurally drawn coloured shapes on a dark, plain or lightly textured
 * background, anti-aliased by supersampling, with a class label, a caption and a layout for every image. It needs
 * no download, is unbounded, and {@link #get} is a pure function of (seed, index): example {@code i} is drawn from
 * {@code new Rng(seed).fork(i)}, so any example can be regenerated and loaders can shuffle indices freely.
 *
 * <p>Each image holds between {@code minShapes} and {@code maxShapes} shapes (see {@link ShapesConfig}); each shape
 * has a kind, a colour, a size and a region of the 3x3 grid ("top left", ..., "center", ..., "bottom right") that
 * holds its centre, uniformly drawn. Shapes never overlap and never touch the image border. The caption names every
 * shape in drawing order ("a small red circle at the top left and a large blue square in the center"), the layout
 * has one box per shape, and the class label is that of the first shape. Small shapes span a fifth of the image
 * side: at 16x16 they are about 3 pixels wide (a small ring is then little more than a dot), from 32x32 on every
 * kind is clearly recognisable.
 *
 * <pre>{@code
 * ShapesDataset shapes = new ShapesDataset(ShapesConfig.of(64).withShapes(1, 2), 42);
 * Example e = shapes.get(0);                     // (3, 64, 64) in [-1, 1]
 * String name = shapes.className(e.label());     // "circle"
 * List<PlacedShape> scene = shapes.scene(0);     // what was drawn, and where
 * }</pre>
 */
public final class ShapesDataset implements Dataset {
    /** The least distance between a box and the image border, normalised. */
    static final double MARGIN = 0.02;
    /** The least gap between two boxes, normalised. */
    static final double GAP = 0.03;
    /** How far a centre may stray from its region's centre, normalised (a quarter of a region's side). */
    static final double JITTER = 1.0 / 12;
    private static final int ATTEMPTS = 24;

    private final ShapesConfig config;
    private final long seed;
    private final Rng root;

    /** The dataset of {@code config} whose examples derive from {@code seed}. */
    public ShapesDataset(ShapesConfig config, long seed) {
        this.config = Objects.requireNonNull(config, "config");
        this.seed = seed;
        this.root = new Rng(seed);
    }

    /** The default dataset ({@link ShapesConfig#of}) at image side {@code size}. */
    public static ShapesDataset of(int size, long seed) {
        return new ShapesDataset(ShapesConfig.of(size), seed);
    }

    public ShapesConfig config() {
        return config;
    }

    public long seed() {
        return seed;
    }

    @Override
    public Example get(long index) {
        checkIndex(index);
        Rng rng = root.fork(index);
        List<PlacedShape> scene = scene(rng.fork(0));
        float[] pixels = ShapePainter.paint(config, scene, rng.fork(1));
        List<Box> layout = new ArrayList<>(scene.size());
        for (PlacedShape s : scene) {
            layout.add(s.box(config.classOf(s.kind(), s.colour())));
        }
        return new Example(pixels, config.size(), config.size(), layout.get(0).classId(), caption(scene), layout);
    }

    /** The shapes of example {@code index}, in drawing order, without drawing them. */
    public List<PlacedShape> scene(long index) {
        checkIndex(index);
        return scene(root.fork(index).fork(0));
    }

    /** The caption of a scene: its shapes' phrases joined by "and". */
    public static String caption(List<PlacedShape> scene) {
        if (scene.isEmpty()) {
            throw new IllegalArgumentException("scene: expected at least one shape, got none");
        }
        return scene.stream().map(PlacedShape::phrase).collect(Collectors.joining(" and "));
    }

    @Override
    public long size() {
        return UNBOUNDED;
    }

    @Override
    public int height() {
        return config.size();
    }

    @Override
    public int width() {
        return config.size();
    }

    @Override
    public int numClasses() {
        return config.numClasses();
    }

    @Override
    public String className(int label) {
        return config.className(label);
    }

    @Override
    public String toString() {
        return "ShapesDataset[seed=" + seed + ", " + config + "]";
    }

    // ---------------------------------------------------------------- scene generation

    private List<PlacedShape> scene(Rng rng) {
        int count = config.minShapes() + (int) rng.nextLong(config.maxShapes() - config.minShapes() + 1L);
        List<PlacedShape> placed = new ArrayList<>(count);
        boolean[] used = new boolean[Region.values().length];
        for (int k = 0; k < count; k++) {
            ShapeKind kind = pick(rng, config.kinds());
            ShapeColour colour = pick(rng, config.colours());
            PlacedShape s = place(rng, kind, colour, placed, used);
            if (s == null) {
                break;              // no room left: a crowded image holds fewer shapes
            }
            placed.add(s);
            used[s.region().ordinal()] = true;
        }
        return List.copyOf(placed);
    }

    /** A random size, free region and jitter that do not meet the shapes already placed, or null. */
    private static PlacedShape place(Rng rng, ShapeKind kind, ShapeColour colour, List<PlacedShape> placed,
            boolean[] used) {
        Region[] free = Arrays.stream(Region.values()).filter(r -> !used[r.ordinal()]).toArray(Region[]::new);
        if (free.length == 0) {
            return null;
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ShapeSize size = ShapeSize.values()[(int) rng.nextLong(ShapeSize.values().length)];
            Region region = free[(int) rng.nextLong(free.length)];
            double jx = (2 * rng.nextDouble() - 1) * JITTER;
            double jy = (2 * rng.nextDouble() - 1) * JITTER;
            PlacedShape s = at(kind, colour, size, region, jx, jy);
            if (fits(s, placed)) {
                return s;
            }
        }
        // fall back to the smallest size, centred in a free region, starting from a random one
        int start = (int) rng.nextLong(free.length);
        for (int i = 0; i < free.length; i++) {
            PlacedShape s = at(kind, colour, ShapeSize.SMALL, free[(start + i) % free.length], 0, 0);
            if (fits(s, placed)) {
                return s;
            }
        }
        return null;
    }

    private static PlacedShape at(ShapeKind kind, ShapeColour colour, ShapeSize size, Region region, double jx,
            double jy) {
        double h = size.halfSize();
        // keep the box MARGIN inside the image; with JITTER <= 1/12 and h <= 0.21 the centre stays in its region
        double cx = clamp(region.centerX() + jx, h + MARGIN, 1 - h - MARGIN);
        double cy = clamp(region.centerY() + jy, h + MARGIN, 1 - h - MARGIN);
        return new PlacedShape(kind, colour, size, region, cx, cy, h);
    }

    private static boolean fits(PlacedShape s, List<PlacedShape> placed) {
        for (PlacedShape p : placed) {
            if (s.overlaps(p, GAP)) {
                return false;
            }
        }
        return true;
    }

    private static <T> T pick(Rng rng, List<T> items) {
        return items.get((int) rng.nextLong(items.size()));
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
