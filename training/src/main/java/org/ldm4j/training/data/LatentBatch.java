package org.ldm4j.training.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.ldm4j.core.tensor.Tensor;

/**
 * A batch of cached latents for diffusion training: latents (B, C, h, w) float32, labels (B) int64, and per
 * example a caption, a layout and its index in the cache.
 *
 * <pre>{@code
 * LatentBatch b = latents.random(32, rng);
 * Tensor z0 = b.latents().mul(scale);             // (32, C, h, w)
 * Tensor y = b.labels();                          // (32) int64, for a class-conditional U-Net
 * }</pre>
 *
 * @param latents  (B, C, h, w) float32
 * @param labels   (B) int64
 * @param captions B captions
 * @param layouts  B layouts
 * @param indices  the B cache indices, in batch order
 */
public record LatentBatch(Tensor latents, Tensor labels, List<String> captions, List<List<Box>> layouts,
                          long[] indices) {
    public LatentBatch {
        Objects.requireNonNull(latents, "latents");
        Objects.requireNonNull(labels, "labels");
        captions = List.copyOf(captions);
        layouts = layouts.stream().map(List::copyOf).toList();
        indices = indices.clone();
        int b = indices.length;
        if (latents.rank() != 4 || latents.size(0) != b) {
            throw new IllegalArgumentException("latents: expected shape [" + b + ", C, h, w], got "
                    + Arrays.toString(latents.shape()));
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

    /** A copy of the cache indices. */
    @Override
    public long[] indices() {
        return indices.clone();
    }
}
