package org.ldm4j.training.data;

import java.util.Objects;
import org.ldm4j.training.image.Resize;

/**
 * How {@link ImageFolderDataset} turns a file into a square example: the shorter side is resized to {@code size}
 * (aspect ratio kept), then a {@code size x size} window is cut out (in the centre, or at a random offset), and
 * optionally mirrored left to right with probability 1/2.
 *
 * <p>Random crops and flips are drawn from {@code seed} (see {@link ImageFolderDataset} for the exact streams),
 * so a dataset with the same options gives the same examples in every run. An image whose shorter side is
 * smaller than {@code size} is an error unless {@code upscale} is set: enlarging blurs it, which a training set
 * should rather not hide.
 *
 * <pre>{@code
 * ImageFolderOptions plain = ImageFolderOptions.of(64);                       // centre crop, no flip, AREA
 * ImageFolderOptions augmented = ImageFolderOptions.of(64)
 *         .withCrop(ImageFolderOptions.Crop.RANDOM).withFlip(true).withSeed(42);
 * }</pre>
 *
 * @param size    side of the square examples, in pixels (at least 1)
 * @param crop    where the window is cut out after resizing
 * @param flip    whether to mirror an example left to right with probability 1/2
 * @param resize  how the shorter side is resampled ({@link Resize#AREA} suits shrinking, {@link Resize#BILINEAR}
 *                enlarging)
 * @param upscale whether images smaller than {@code size} (shorter side) are enlarged instead of refused
 * @param seed    the seed of random crops and flips
 */
public record ImageFolderOptions(int size, Crop crop, boolean flip, Resize resize, boolean upscale, long seed) {

    /** Where the {@code size x size} window is cut out of the resized image. */
    public enum Crop {
        /** The middle window (an odd margin leaves the extra pixel at the bottom or right). */
        CENTER,
        /** A uniformly drawn window, a pure function of the seed, the index and the epoch. */
        RANDOM
    }

    public ImageFolderOptions {
        if (size < 1) {
            throw new IllegalArgumentException("size: expected a positive image side in pixels, got " + size);
        }
        Objects.requireNonNull(crop, "crop");
        Objects.requireNonNull(resize, "resize");
    }

    /** Side {@code size}, centre crop, no flip, {@link Resize#AREA}, no upscaling, seed 0. */
    public static ImageFolderOptions of(int size) {
        return new ImageFolderOptions(size, Crop.CENTER, false, Resize.AREA, false, 0);
    }

    public ImageFolderOptions withSize(int newSize) {
        return new ImageFolderOptions(newSize, crop, flip, resize, upscale, seed);
    }

    public ImageFolderOptions withCrop(Crop newCrop) {
        return new ImageFolderOptions(size, newCrop, flip, resize, upscale, seed);
    }

    public ImageFolderOptions withFlip(boolean newFlip) {
        return new ImageFolderOptions(size, crop, newFlip, resize, upscale, seed);
    }

    public ImageFolderOptions withResize(Resize newResize) {
        return new ImageFolderOptions(size, crop, flip, newResize, upscale, seed);
    }

    public ImageFolderOptions withUpscale(boolean newUpscale) {
        return new ImageFolderOptions(size, crop, flip, resize, newUpscale, seed);
    }

    public ImageFolderOptions withSeed(long newSeed) {
        return new ImageFolderOptions(size, crop, flip, resize, upscale, newSeed);
    }

    /** Whether examples depend on the seed at all (a random crop or a flip). */
    public boolean isRandom() {
        return crop == Crop.RANDOM || flip;
    }
}
