package org.ldm4j.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.ldm4j.training.image.Images;
import org.ldm4j.training.image.Resize;
import org.ldm4j.training.image.RgbImage;

class ImageFolderDatasetProperties {

    @Property(tries = 25)
    void everyExampleIsASquareWindowOfTheResizedImage(@ForAll @IntRange(min = 4, max = 24) int h,
            @ForAll @IntRange(min = 4, max = 24) int w, @ForAll @IntRange(min = 2, max = 12) int size,
            @ForAll ImageFolderOptions.Crop crop, @ForAll boolean flip, @ForAll long seed,
            @ForAll @IntRange(min = 0, max = 3) int epoch) throws IOException {
        Path dir = Files.createTempDirectory("folder-prop");
        try {
            RgbImage image = ImageFolderDatasetTest.gradient(h, w, (int) (seed & 0xff));
            Images.write(image, dir.resolve("x.png"));
            ImageFolderOptions opts = new ImageFolderOptions(size, crop, flip, Resize.AREA, true, seed);
            ImageFolderDataset d = ImageFolderDataset.open(dir, opts).withEpoch(epoch);
            Example e = d.get(0);
            assertEquals(size, e.height());
            assertEquals(size, e.width());
            for (float v : e.pixels()) {
                assertTrue(v >= -1 && v <= 1, "value " + v);
            }
            assertEquals(e, ImageFolderDataset.open(dir, opts).withEpoch(epoch).get(0), "pure");

            int rh = h <= w ? size : Math.max(size, (int) Math.round((double) h * size / w));
            int rw = h <= w ? Math.max(size, (int) Math.round((double) w * size / h)) : size;
            assertEquals(size, Math.min(rh, rw), "the shorter side becomes the target size");
            RgbImage resized = image.resize(rh, rw, Resize.AREA);
            boolean found = false;
            for (int y = 0; y + size <= rh && !found; y++) {
                for (int x = 0; x + size <= rw && !found; x++) {
                    if (crop == ImageFolderOptions.Crop.CENTER && (y != (rh - size) / 2 || x != (rw - size) / 2)) {
                        continue;
                    }
                    RgbImage window = resized.crop(y, x, size, size);
                    found = java.util.Arrays.equals(window.chw(), e.pixels())
                            || flip && java.util.Arrays.equals(window.flipHorizontal().chw(), e.pixels());
                }
            }
            assertTrue(found, "the example is a (possibly mirrored) window of the resized image");
            if (crop == ImageFolderOptions.Crop.CENTER && !flip) {
                assertArrayEquals(resized.crop((rh - size) / 2, (rw - size) / 2, size, size).chw(), e.pixels());
            }
        } finally {
            Files.deleteIfExists(dir.resolve("x.png"));
            Files.delete(dir);
        }
    }
}
