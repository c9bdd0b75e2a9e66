package org.ldm4j.training.eval;

import org.ldm4j.core.random.Rng;

/** Degradations that stand in for imperfect diffusion samples: added Gaussian noise and a blur. */
final class Degrade {
    private Degrade() {
    }

    /** {@code chw} plus Gaussian noise of standard deviation {@code sigma} (in [-1, 1] units), clamped to [-1, 1]. */
    static float[] noise(float[] chw, double sigma, Rng rng) {
        float[] out = new float[chw.length];
        for (int i = 0; i < chw.length; i++) {
            out[i] = (float) Math.max(-1, Math.min(1, chw[i] + sigma * rng.nextGaussian()));
        }
        return out;
    }

    /** {@code chw} blurred by the 3x3 binomial kernel [1 2 1]^T [1 2 1] / 16 (edges replicated). */
    static float[] blur(float[] chw, int height, int width) {
        float[] out = new float[chw.length];
        int[] k = {1, 2, 1};
        for (int c = 0; c < 3; c++) {
            int base = c * height * width;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double s = 0;
                    for (int i = -1; i <= 1; i++) {
                        int yy = Math.max(0, Math.min(height - 1, y + i));
                        for (int j = -1; j <= 1; j++) {
                            int xx = Math.max(0, Math.min(width - 1, x + j));
                            s += k[i + 1] * k[j + 1] * chw[base + yy * width + xx];
                        }
                    }
                    out[base + y * width + x] = (float) (s / 16);
                }
            }
        }
        return out;
    }
}
