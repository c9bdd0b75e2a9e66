package org.ldm4j.training.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.util.Arrays;
import java.util.Objects;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * An RGB image in memory: CHW float values in [-1, 1] (not checked: out-of-range values are clamped when
 * written), with conversions to and from tensors and {@link BufferedImage}s, resizing, cropping and flipping.
 *
 * <pre>{@code
 * RgbImage im = Images.readImage(Path.of("cat.jpg"));
 * RgbImage square = im.crop((im.height() - 200) / 2, (im.width() - 200) / 2, 200, 200).resize(64, 64, Resize.AREA);
 * Tensor x = square.flipHorizontal().toTensor();            // (3, 64, 64)
 * }</pre>
 *
 * @param height rows
 * @param width columns
 * @param chw the values, {@code chw[(c * height + y) * width + x]}, length 3 * height * width
 */
public record RgbImage(int height, int width, float[] chw) {
    public RgbImage {
        Objects.requireNonNull(chw, "chw");
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("size: expected a positive height and width, got " + height + "x"
                    + width);
        }
        if (chw.length != 3L * height * width) {
            throw new IllegalArgumentException("chw: expected 3 * " + height + " * " + width + " = "
                    + (3L * height * width) + " values, got " + chw.length);
        }
        chw = chw.clone();
    }

    /** A copy of the values. */
    @Override
    public float[] chw() {
        return chw.clone();
    }

    /** Channel {@code c} at row {@code y}, column {@code x}. */
    public float get(int c, int y, int x) {
        Objects.checkIndex(c, 3);
        Objects.checkIndex(y, height);
        Objects.checkIndex(x, width);
        return chw[(c * height + y) * width + x];
    }

    /** The image as a float32 tensor (3, H, W). */
    public Tensor toTensor() {
        return Tensor.of(chw, 3, height, width);
    }

    /** An image from a floating-point tensor (3, H, W), or (1, H, W) for grey, which is repeated on R, G and B. */
    public static RgbImage fromTensor(Tensor image) {
        Shapes.checkRank("image", image, 3);
        Shapes.checkFloating("image", image);
        long c = image.size(0);
        if (c != 3 && c != 1) {
            throw new IllegalArgumentException("image: expected 3 (RGB) or 1 (grey) channels, got " + c + " in "
                    + Shapes.str(image.shape()));
        }
        int h = (int) image.size(1);
        int w = (int) image.size(2);
        float[] v = image.toFloatArray();
        return new RgbImage(h, w, c == 3 ? v : repeatGrey(v));
    }

    private static float[] repeatGrey(float[] grey) {
        float[] out = new float[3 * grey.length];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(grey, 0, out, c * grey.length, grey.length);
        }
        return out;
    }

    /** 8-bit sRGB pixels: {@code round((v + 1) * 127.5)} clamped to [0, 255], NaN written as 0. */
    public BufferedImage toBufferedImage() {
        int plane = height * width;
        int[] argb = new int[plane];
        for (int p = 0; p < plane; p++) {
            argb[p] = 0xff000000 | to8(chw[p]) << 16 | to8(chw[plane + p]) << 8 | to8(chw[2 * plane + p]);
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, width, height, argb, 0, width);
        return img;
    }

    static int to8(float v) {
        if (Float.isNaN(v)) {
            return 0;
        }
        long k = Math.round((v + 1.0) * 127.5);
        return (int) Math.max(0, Math.min(255, k));
    }

    static float from8(int k) {
        return (float) (k / 127.5 - 1);
    }

    /**
     * An image from any {@link BufferedImage}: colour images through their sRGB value ({@code getRGB}), grey
     * images from their raw samples (so that 8-bit grey PNGs keep their values), alpha dropped.
     */
    public static RgbImage fromBufferedImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int plane = w * h;
        float[] out = new float[3 * plane];
        if (img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY) {
            Raster r = img.getRaster();
            double max = (1 << img.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = from8((int) Math.round(r.getSample(x, y, 0) / max * 255));
                    out[y * w + x] = v;
                    out[plane + y * w + x] = v;
                    out[2 * plane + y * w + x] = v;
                }
            }
        } else {
            int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
            for (int p = 0; p < plane; p++) {
                out[p] = from8(argb[p] >>> 16 & 0xff);
                out[plane + p] = from8(argb[p] >>> 8 & 0xff);
                out[2 * plane + p] = from8(argb[p] & 0xff);
            }
        }
        return new RgbImage(h, w, out);
    }

    /** This image resampled to {@code newHeight x newWidth} (see {@link Resize}); itself if the size is unchanged. */
    public RgbImage resize(int newHeight, int newWidth, Resize mode) {
        Objects.requireNonNull(mode, "mode");
        if (newHeight < 1 || newWidth < 1) {
            throw new IllegalArgumentException("size: expected a positive height and width, got " + newHeight + "x"
                    + newWidth);
        }
        if (newHeight == height && newWidth == width) {
            return this;
        }
        Resize.Taps tx = mode.taps(width, newWidth);
        Resize.Taps ty = mode.taps(height, newHeight);
        float[] rows = new float[3 * height * newWidth];     // (3, H, W') after the horizontal pass
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < height; y++) {
                int src = (c * height + y) * width;
                int dst = (c * height + y) * newWidth;
                for (int x = 0; x < newWidth; x++) {
                    rows[dst + x] = dot(chw, src, 1, tx.index()[x], tx.weight()[x]);
                }
            }
        }
        float[] out = new float[3 * newHeight * newWidth];   // (3, H', W')
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < newHeight; y++) {
                int dst = (c * newHeight + y) * newWidth;
                for (int x = 0; x < newWidth; x++) {
                    out[dst + x] = dot(rows, c * height * newWidth + x, newWidth, ty.index()[y], ty.weight()[y]);
                }
            }
        }
        return new RgbImage(newHeight, newWidth, out);
    }

    private static float dot(float[] a, int base, int stride, int[] index, float[] weight) {
        double s = 0;
        for (int k = 0; k < index.length; k++) {
            s += weight[k] * a[base + index[k] * stride];
        }
        return (float) s;
    }

    /** The {@code h x w} window whose top left pixel is ({@code y}, {@code x}). */
    public RgbImage crop(int y, int x, int h, int w) {
        if (h < 1 || w < 1 || y < 0 || x < 0 || y + h > height || x + w > width) {
            throw new IllegalArgumentException("crop: expected a window inside " + height + "x" + width + ", got "
                    + h + "x" + w + " at (" + y + ", " + x + ")");
        }
        float[] out = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(chw, (c * height + y + r) * width + x, out, (c * h + r) * w, w);
            }
        }
        return new RgbImage(h, w, out);
    }

    /** The mirror image (left and right swapped). */
    public RgbImage flipHorizontal() {
        float[] out = new float[chw.length];
        for (int row = 0; row < 3 * height; row++) {
            for (int x = 0; x < width; x++) {
                out[row * width + x] = chw[row * width + width - 1 - x];
            }
        }
        return new RgbImage(height, width, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage r && r.height == height && r.width == width && Arrays.equals(r.chw, chw);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * height + width) + Arrays.hashCode(chw);
    }

    @Override
    public String toString() {
        return "RgbImage[" + height + "x" + width + "]";
    }
}
