/**
 * Spatial conditioning for concatenation with the latent: the reference's {@code SpatialRescaler} (resize a
 * semantic map, depth map or low-resolution image by a factor, with an optional 1x1 channel mapping), its
 * resizing written with differentiable core ops.
 *
 * <pre>{@code
 * SpatialRescaler r = new SpatialRescaler(2, Interpolation.BILINEAR, 0.5, 182, 3, false, new Rng(0));
 * Tensor c = r.encode(segmentation);            // [B, 182, 256, 256] -> [B, 3, 64, 64]
 * }</pre>
 */
package org.ldm4j.conditioning.spatial;
