package org.ldm4j.conditioning.spatial;

/**
 * Resizing methods of {@link SpatialRescaler}, with the formulas of PyTorch's {@code F.interpolate(x,
 * scale_factor=m, mode=...)} (align_corners False, no antialias, the scale factor used as given), for an axis of
 * {@code in} samples resized to {@code out = floor(in * m)}:
 *
 * <ul>
 *   <li>{@link #NEAREST}: output i takes input {@code min(floor(i / m), in - 1)} (the legacy {@code nearest}, not
 *       {@code nearest-exact}).</li>
 *   <li>{@link #BILINEAR}: source {@code s = max(0, (i + 0.5) / m - 0.5)}, {@code i0 = floor(s)},
 *       {@code i1 = min(i0 + 1, in - 1)}, weights {@code 1 - (s - i0)} and {@code s - i0}; separably in y and x.</li>
 *   <li>{@link #AREA}: adaptive average pooling, output i averages inputs
 *       {@code [floor(i in / out), ceil((i + 1) in / out))}.</li>
 * </ul>
 *
 * <pre>{@code
 * SpatialRescaler r = new SpatialRescaler(2, Interpolation.BILINEAR, 0.5, 182, 3, false, rng);
 * }</pre>
 */
public enum Interpolation {
    NEAREST,
    BILINEAR,
    AREA
}
