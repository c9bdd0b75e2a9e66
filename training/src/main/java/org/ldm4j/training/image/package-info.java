/**
 * Images on disk: PNG writing (single images and grids of a batch, atomic, with optional text chunks) and
 * PNG/JPEG reading into tensors with values in [-1, 1], with optional resizing.
 *
 * <p>Pixel values map to 8 bits as {@code round((v + 1) * 127.5)} clamped to [0, 255], and back as
 * {@code k / 127.5 - 1}, so writing an image read from a PNG gives the same bytes.
 *
 * <pre>{@code
 * Images.writeGrid(samples, 4, 2, Path.of("out/samples.png"));          // (16, 3, 64, 64) -> a 4x4 grid
 * Tensor x = Images.read(Path.of("photo.jpg"), 256, 256, Resize.AREA);   // (3, 256, 256)
 * }</pre>
 */
package org.ldm4j.training.image;
