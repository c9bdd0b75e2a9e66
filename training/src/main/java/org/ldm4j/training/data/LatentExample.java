package org.ldm4j.training.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.ldm4j.core.tensor.Tensor;

/**
 * One cached latent with the label, caption and layout of the example it was encoded from.
 *
 * <pre>{@code
 * LatentExample e = latents.get(5);
 * Tensor z = e.toTensor();                        // (C, h, w) float32, unscaled
 * String caption = e.caption();
 * }</pre>
 *
 * @param index    the example's index in the source dataset (and in the cache)
 * @param latent   the values, channel-major: {@code latent[(c * height + y) * width + x]}, length C * h * w
 * @param channels latent channels C
 * @param height   latent height h
 * @param width    latent width w
 * @param label    the class label
 * @param caption  the caption, never null
 * @param layout   the boxes, never null
 */
public record LatentExample(long index, float[] latent, int channels, int height, int width, int label,
                            String caption, List<Box> layout) {
    public LatentExample {
        Objects.requireNonNull(latent, "latent");
        Objects.requireNonNull(caption, "caption");
        Objects.requireNonNull(layout, "layout");
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("shape: expected positive channels, height and width, got " + channels
                    + "x" + height + "x" + width);
        }
        if (latent.length != (long) channels * height * width) {
            throw new IllegalArgumentException("latent: expected " + channels + " * " + height + " * " + width + " = "
                    + ((long) channels * height * width) + " values (CHW), got " + latent.length);
        }
        latent = latent.clone();
        layout = List.copyOf(layout);
    }

    /** A copy of the values (CHW). */
    @Override
    public float[] latent() {
        return latent.clone();
    }

    /** The value of channel {@code c} at row {@code y}, column {@code x}. */
    public float value(int c, int y, int x) {
        Objects.checkIndex(c, channels);
        Objects.checkIndex(y, height);
        Objects.checkIndex(x, width);
        return latent[(c * height + y) * width + x];
    }

    /** The latent as a float32 tensor (C, h, w). */
    public Tensor toTensor() {
        return Tensor.of(latent, channels, height, width);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatentExample e && index == e.index && channels == e.channels && height == e.height
                && width == e.width && label == e.label && caption.equals(e.caption) && layout.equals(e.layout)
                && Arrays.equals(latent, e.latent);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, Arrays.hashCode(latent), channels, height, width, label, caption, layout);
    }

    @Override
    public String toString() {
        return "LatentExample[" + index + ", " + channels + "x" + height + "x" + width + ", label=" + label
                + ", caption=\"" + caption + "\"]";
    }
}
