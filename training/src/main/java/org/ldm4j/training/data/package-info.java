/**
 * Datasets of images in [-1, 1] with a class label, a caption and a layout per example, and the batching that
 * turns them into [B, 3, H, W] tensors.
 *
 * <p>{@link org.ldm4j.training.data.ShapesDataset} is the built-in synthetic dataset: procedurally drawn,
 * anti-aliased coloured shapes that need no download. It is seeded and unbounded, and {@code get(index)} is a
 * pure function of the seed and the index, so any example can be regenerated and a loader can shuffle indices.
 *
 * <pre>{@code
 * ShapesDataset shapes = new ShapesDataset(ShapesConfig.of(64), 42);
 * Example e = shapes.get(7);                     // e.caption(): "a small red circle at the top left"
 * DataLoader loader = DataLoader.shuffled(shapes.limit(10_000), 16, new Rng(1));
 * Batch batch = loader.next();                   // images (16, 3, 64, 64) float32, labels (16) int64
 * }</pre>
 */
package org.ldm4j.training.data;
