package org.ldm4j.training.data;

import java.util.List;
import org.ldm4j.core.random.Rng;

/**
 * Draws a {@link ShapesDataset} scene: a dark background (plain, or with a gradient and grain), then each shape,
 * its colour slightly jittered and shaded top to bottom, anti-aliased by supersampling (a pixel's coverage is the
 * fraction of its {@code s x s} sample points inside the shape).
 */
final class ShapePainter {
    /** Background channels are drawn in [BG_LO, BG_LO + BG_RANGE]: dark, lightly tinted. */
    private static final double BG_LO = 0.05;
    private static final double BG_RANGE = 0.15;
    /** Gradient amplitude range and grain amplitude of the textured background. */
    private static final double GRADIENT_LO = 0.03;
    private static final double GRADIENT_RANGE = 0.06;
    private static final double GRAIN = 0.02;
    /** Per-shape paint: brightness in [BRIGHT_LO, 1], per-channel jitter up to JITTER, shading up to SHADE. */
    private static final double BRIGHT_LO = 0.88;
    private static final double PAINT_JITTER = 0.03;
    private static final double SHADE = 0.08;

    private ShapePainter() {
    }

    /** The scene as CHW values in [-1, 1], drawn with the randomness of {@code rng}. */
    static float[] paint(ShapesConfig config, List<PlacedShape> scene, Rng rng) {
        int n = config.size();
        int plane = n * n;
        double[] img = new double[3 * plane];       // (3, n, n) in [0, 1]
        background(config, rng, img, n);
        for (PlacedShape s : scene) {
            shape(s, config.supersample(), rng, img, n);
        }
        float[] out = new float[img.length];
        for (int i = 0; i < img.length; i++) {
            out[i] = (float) Math.max(-1, Math.min(1, 2 * img[i] - 1));
        }
        return out;
    }

    private static void background(ShapesConfig config, Rng rng, double[] img, int n) {
        int plane = n * n;
        double[] base = new double[3];
        for (int c = 0; c < 3; c++) {
            base[c] = BG_LO + BG_RANGE * rng.nextDouble();
        }
        boolean textured = config.background() == ShapesConfig.Background.TEXTURED;
        double angle = 2 * Math.PI * rng.nextDouble();
        double amp = textured ? GRADIENT_LO + GRADIENT_RANGE * rng.nextDouble() : 0;
        double dx = amp * Math.cos(angle);
        double dy = amp * Math.sin(angle);
        for (int y = 0; y < n; y++) {
            double fy = (y + 0.5) / n - 0.5;
            for (int x = 0; x < n; x++) {
                double fx = (x + 0.5) / n - 0.5;
                double t = textured ? fx * dx + fy * dy + GRAIN * (2 * rng.nextDouble() - 1) : 0;
                int p = y * n + x;
                for (int c = 0; c < 3; c++) {
                    img[c * plane + p] = base[c] + t;
                }
            }
        }
    }

    private static void shape(PlacedShape s, int ss, Rng rng, double[] img, int n) {
        int plane = n * n;
        double[] paint = s.colour().rgb();
        double bright = BRIGHT_LO + (1 - BRIGHT_LO) * rng.nextDouble();
        for (int c = 0; c < 3; c++) {
            paint[c] = paint[c] * bright + PAINT_JITTER * (2 * rng.nextDouble() - 1);
        }
        double h = s.halfSize();
        // the pixels that the box touches: pixel x covers [x / n, (x + 1) / n)
        int x0 = Math.max(0, (int) Math.floor((s.centerX() - h) * n));
        int x1 = Math.min(n - 1, (int) Math.ceil((s.centerX() + h) * n));
        int y0 = Math.max(0, (int) Math.floor((s.centerY() - h) * n));
        int y1 = Math.min(n - 1, (int) Math.ceil((s.centerY() + h) * n));
        double inv = 1.0 / (ss * ss);
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                int inside = 0;
                for (int a = 0; a < ss; a++) {
                    double v = ((y + (a + 0.5) / ss) / n - s.centerY()) / h;
                    for (int b = 0; b < ss; b++) {
                        double u = ((x + (b + 0.5) / ss) / n - s.centerX()) / h;
                        if (s.kind().contains(u, v)) {
                            inside++;
                        }
                    }
                }
                if (inside == 0) {
                    continue;
                }
                double cover = inside * inv;
                double vc = ((y + 0.5) / n - s.centerY()) / h;          // lighter at the top, darker below
                double shade = 1 - SHADE * Math.max(-1, Math.min(1, vc));
                int p = y * n + x;
                for (int c = 0; c < 3; c++) {
                    double col = Math.max(0, Math.min(1, paint[c] * shade));
                    img[c * plane + p] = img[c * plane + p] * (1 - cover) + col * cover;
                }
            }
        }
    }
}
