package org.ldm4j.training.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

class RgbImageTest {
    @TempDir
    Path dir;

    private static RgbImage filled(int h, int w, float value) {
        float[] v = new float[3 * h * w];
        Arrays.fill(v, value);
        return new RgbImage(h, w, v);
    }

    @Test
    void resizingAConstantImageKeepsItConstant() {
        for (Resize mode : Resize.values()) {
            for (int[] hw : new int[][] {{5, 7}, {20, 3}, {1, 1}, {33, 64}}) {
                RgbImage r = filled(10, 12, 0.25f).resize(hw[0], hw[1], mode);
                assertEquals(hw[0], r.height());
                assertEquals(hw[1], r.width());
                for (float v : r.chw()) {
                    assertEquals(0.25f, v, 1e-6, mode + " to " + Arrays.toString(hw));
                }
            }
        }
    }

    @Test
    void areaDownsamplingAveragesBlocks() {
        float[] v = new float[3 * 2 * 4];
        float[] row0 = {0, 1, 2, 3};
        float[] row1 = {4, 5, 6, 7};
        for (int c = 0; c < 3; c++) {
            System.arraycopy(row0, 0, v, c * 8, 4);
            System.arraycopy(row1, 0, v, c * 8 + 4, 4);
        }
        RgbImage r = new RgbImage(2, 4, v).resize(1, 2, Resize.AREA);
        assertArrayEquals(new float[] {2.5f, 4.5f, 2.5f, 4.5f, 2.5f, 4.5f}, r.chw(), 1e-6f);
        // 3 -> 2: output 0 covers input [0, 1.5): (a + b / 2) / 1.5
        RgbImage three = new RgbImage(1, 3, new float[] {0, 3, 6, 0, 3, 6, 0, 3, 6}).resize(1, 2, Resize.AREA);
        assertEquals(1f, three.get(0, 0, 0), 1e-6);
        assertEquals(5f, three.get(0, 0, 1), 1e-6);
    }

    @Test
    void bilinearUpsamplingInterpolatesBetweenPixelCentres() {
        RgbImage r = new RgbImage(1, 2, new float[] {0, 1, 0, 1, 0, 1}).resize(1, 4, Resize.BILINEAR);
        // centres of the 4 outputs map to -0.25, 0.25, 0.75, 1.25 in the input (clamped at the edges)
        assertArrayEquals(new float[] {0, 0.25f, 0.75f, 1}, Arrays.copyOf(r.chw(), 4), 1e-6f);
    }

    @Test
    void resizingToTheSameSizeIsTheIdentity() {
        RgbImage im = new RgbImage(4, 5, ImagesTest.levels(new Rng(1), 60));
        assertSame(im, im.resize(4, 5, Resize.BILINEAR));
    }

    @Test
    void readWithResizeGivesTheRequestedShape() throws IOException {
        Path file = dir.resolve("in.png");
        Images.write(Tensor.of(ImagesTest.levels(new Rng(2), 3 * 30 * 40), 3, 30, 40), file);
        Tensor t = Images.read(file, 16, 16, Resize.AREA);
        assertArrayEquals(new long[] {3, 16, 16}, t.shape());
        assertArrayEquals(new long[] {3, 64, 48}, Images.read(file, 64, 48, Resize.BILINEAR).shape());
    }

    @Test
    void cropAndFlip() {
        float[] v = new float[3 * 2 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        RgbImage im = new RgbImage(2, 3, v);
        RgbImage flipped = im.flipHorizontal();
        assertEquals(2f, flipped.get(0, 0, 0));
        assertEquals(3f, flipped.get(0, 1, 2));
        assertEquals(im, flipped.flipHorizontal());
        RgbImage crop = im.crop(1, 1, 1, 2);
        assertArrayEquals(new float[] {4, 5, 10, 11, 16, 17}, crop.chw());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> im.crop(1, 1, 2, 2));
        assertEquals("crop: expected a window inside 2x3, got 2x2 at (1, 1)", e.getMessage());
        assertEquals(im, RgbImage.fromTensor(im.toTensor()));
    }
}
