package org.ldm4j.training.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.ldm4j.core.tensor.Tensor;

/**
 * A batch of examples: images (B, 3, H, W) float32 in [-1, 1], labels (B) int64, and per example a caption, a
 * layout and the dataset index it came from.
 *
 * <pre>{@code
 * Batch b = Batches.range(shapes, 0, 8);
 * Tensor x = b.images();          // (8, 3, H, W)
 * Tensor y = b.labels();          // (8) int64
 * String first = b.captions().get(0);
 * }</pre>
 *
 * @param images (B, 3, H, W) float32
 * @param labels (B) int64
 * @param captions B captions
 * @param layouts B layouts
 * @param indices the B dataset indices, in batch order
 */
public record Batch(Tensor images, Tensor labels, List<String> captions, List<List<Box>> layouts, long[] indices) {
    public Batch {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        captions = List.copyOf(captions);
        layouts = layouts.stream().map(List::copyOf).toList();
        indices = indices.clone();
        int b = indices.length;
        long[] s = images.shape();
        if (s.length != 4 || s[0] != b || s[1] != Example.CHANNELS) {
            throw new IllegalArgumentException("images: expected shape [" + b + ", 3, H, W], got "
                    + Arrays.toString(s));
        }
        if (labels.rank() != 1 || labels.size(0) != b) {
            throw new IllegalArgumentException("labels: expected shape [" + b + "], got "
                    + Arrays.toString(labels.shape()));
        }
        if (captions.size() != b || layouts.size() != b) {
            throw new IllegalArgumentException("batch: expected " + b + " captions and layouts, got "
                    + captions.size() + " and " + layouts.size());
        }
    }

    /** The number of examples B. */
    public int size() {
        return indices.length;
    }

    /** A copy of the dataset indices. */
    @Override
    public long[] indices() {
        return indices.clone();
    }
}
