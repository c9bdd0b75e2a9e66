package org.ldm4j.training.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.ldm4j.core.tensor.Tensor;

/**
 * One example of an image dataset: an RGB image as CHW float values in [-1, 1], a class label, a caption and a
 * layout (a box per object).
 *
 * <p>The pixels are copied on the way in and on the way out ({@link #pixels()}), so an example is immutable;
 * {@link #copyPixelsTo} fills a batch buffer without the extra copy.
 *
 * <pre>{@code
 * Example e = dataset.get(3);
 * float red = e.pixel(0, e.height() / 2, e.width() / 2);     // channel 0 of the centre pixel
 * Tensor image = e.toTensor();                               // (3, H, W) float32
 * }</pre>
 *
 * @param pixels the image, channel-major: {@code pixels[(c * height + y) * width + x]}, length 3 * H * W
 * @param height image height in pixels
 * @param width image width in pixels
 * @param label class label, non-negative
 * @param caption a description of the image, never null
 * @param layout the objects' boxes, never null (empty for a dataset without layouts)
 */
public record Example(float[] pixels, int height, int width, int label, String caption, List<Box> layout) {
    /** Every example has three channels (RGB). */
    public static final int CHANNELS = 3;

    public Example {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(caption, "caption");
        Objects.requireNonNull(layout, "layout");
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("size: expected a positive height and width, got " + height + "x"
                    + width);
        }
        if (pixels.length != CHANNELS * height * width) {
            throw new IllegalArgumentException("pixels: expected 3 * " + height + " * " + width + " = "
                    + (CHANNELS * height * width) + " values (CHW), got " + pixels.length);
        }
        if (label < 0) {
            throw new IllegalArgumentException("label: expected a non-negative class label, got " + label);
        }
        pixels = pixels.clone();
        layout = List.copyOf(layout);
    }

    /** A copy of the pixels (CHW). */
    @Override
    public float[] pixels() {
        return pixels.clone();
    }

    /** The value of channel {@code c} at row {@code y}, column {@code x}. */
    public float pixel(int c, int y, int x) {
        Objects.checkIndex(c, CHANNELS);
        Objects.checkIndex(y, height);
        Objects.checkIndex(x, width);
        return pixels[(c * height + y) * width + x];
    }

    /** Copies the 3 * H * W pixel values into {@code dst} from {@code offset}. */
    public void copyPixelsTo(float[] dst, int offset) {
        System.arraycopy(pixels, 0, dst, offset, pixels.length);
    }

    /** The image as a float32 tensor of shape (3, H, W). */
    public Tensor toTensor() {
        return Tensor.of(pixels, CHANNELS, height, width);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Example e && height == e.height && width == e.width && label == e.label
                && caption.equals(e.caption) && layout.equals(e.layout) && Arrays.equals(pixels, e.pixels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(pixels), height, width, label, caption, layout);
    }

    @Override
    public String toString() {
        return "Example[" + height + "x" + width + ", label=" + label + ", caption=\"" + caption + "\", layout="
                + layout + "]";
    }
}
