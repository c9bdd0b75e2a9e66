package org.ldm4j.unet;

import org.ldm4j.core.autograd.Convolutions;
import org.ldm4j.core.tensor.Tensor;

/** The parameter-free resampling of the U-Net: nearest-neighbour x2 up, 2x2 average pooling (stride 2) down. */
final class Resampling {
    private Resampling() {
    }

    /** [B, C, H, W] -> [B, C, 2H, 2W] ({@code up}) or [B, C, H/2, W/2]. */
    static Tensor resample(Tensor x, boolean up) {
        return up ? Convolutions.upsampleNearest(x, 2) : Convolutions.avgPool2d(x, 2, 2, 0);
    }
}
