package org.ldm4j.training.image;

/**
 * How {@link RgbImage#resize} resamples, separably (rows, then columns), in float precision.
 *
 * <ul>
 *   <li>{@link #BILINEAR}: each output pixel centre maps back to {@code (i + 0.5) * in / out - 0.5} in the input
 *       and interpolates its two neighbours on each axis, edges clamped (PyTorch's {@code align_corners=False},
 *       without antialiasing). Good for upscaling and mild downscaling.</li>
 *   <li>{@link #AREA}: each output pixel is the mean of the input area it covers, fractional pixels weighted by
 *       their overlap (OpenCV's {@code INTER_AREA}). Good for downscaling: no aliasing; an integer factor
 *       averages whole blocks.</li>
 * </ul>
 *
 * <pre>{@code
 * RgbImage small = image.resize(64, 64, Resize.AREA);
 * }</pre>
 */
public enum Resize {
    BILINEAR,
    AREA;

    /**
     * The resampling of one axis from {@code in} to {@code out} samples: for output {@code i}, the input indices
     * {@code index[i][k]} and weights {@code weight[i][k]} (summing to 1).
     */
    Taps taps(int in, int out) {
        int[][] index = new int[out][];
        float[][] weight = new float[out][];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            if (this == BILINEAR) {
                double src = Math.max(0, Math.min(in - 1, (i + 0.5) * scale - 0.5));
                int i0 = (int) Math.floor(src);
                int i1 = Math.min(in - 1, i0 + 1);
                double f = src - i0;
                index[i] = new int[] {i0, i1};
                weight[i] = new float[] {(float) (1 - f), (float) f};
            } else {
                double lo = i * scale;
                double hi = (i + 1) * scale;
                int first = (int) Math.floor(lo);
                int last = Math.min(in - 1, (int) Math.ceil(hi) - 1);
                index[i] = new int[last - first + 1];
                weight[i] = new float[last - first + 1];
                for (int j = first; j <= last; j++) {
                    double overlap = Math.min(hi, j + 1) - Math.max(lo, j);
                    index[i][j - first] = j;
                    weight[i][j - first] = (float) (overlap / scale);
                }
            }
        }
        return new Taps(index, weight);
    }

    /** One axis's resampling weights. */
    record Taps(int[][] index, float[][] weight) {
    }
}
