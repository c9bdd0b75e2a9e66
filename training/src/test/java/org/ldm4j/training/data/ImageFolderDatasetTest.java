package org.ldm4j.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.training.image.Images;
import org.ldm4j.training.image.Resize;
import org.ldm4j.training.image.RgbImage;

class ImageFolderDatasetTest {
    @TempDir
    Path dir;

    /** An image whose every pixel differs: value (c, y, x) = a distinct multiple of 1/127.5 in [-1, 1]. */
    static RgbImage gradient(int h, int w, int salt) {
        float[] chw = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int k = (salt * 31 + c * 85 + y * 13 + x * 7) % 256;
                    chw[(c * h + y) * w + x] = (float) (k / 127.5 - 1);
                }
            }
        }
        return new RgbImage(h, w, chw);
    }

    static Path png(Path file, RgbImage image) throws IOException {
        Files.createDirectories(file.getParent());
        Images.write(image, file);
        return file;
    }

    static Path jpeg(Path file, RgbImage image) throws IOException {
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(image.toBufferedImage(), "jpg", file.toFile()), "a JPEG writer");
        return file;
    }

    static void text(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    @Test
    void classFoldersGiveSortedLabelsAndAreSearchedRecursively() throws IOException {
        png(dir.resolve("zebra/b.png"), gradient(8, 8, 1));
        png(dir.resolve("zebra/a.png"), gradient(8, 8, 2));
        png(dir.resolve("cat/deep/er/x.PNG"), gradient(8, 8, 3));
        png(dir.resolve("cat/y.png"), gradient(8, 8, 4));
        png(dir.resolve("ant/z.png"), gradient(8, 8, 5));
        png(dir.resolve(".hidden/h.png"), gradient(8, 8, 6));      // ignored: hidden folder
        png(dir.resolve("ant/.h.png"), gradient(8, 8, 6));         // ignored: hidden file
        text(dir.resolve("notes/readme.txt"), "not a class: no images");
        text(dir.resolve("ant/data.csv"), "1,2");

        ImageFolderDataset d = ImageFolderDataset.open(dir, 8);
        assertEquals(List.of("ant", "cat", "zebra"), d.classNames());
        assertEquals(3, d.numClasses());
        assertEquals("cat", d.className(1));
        assertEquals(5, d.size());
        List<String> order = new ArrayList<>();
        for (long i = 0; i < d.size(); i++) {
            order.add(d.root().relativize(d.file(i)).toString().replace('\\', '/'));
        }
        assertEquals(List.of("ant/z.png", "cat/deep/er/x.PNG", "cat/y.png", "zebra/a.png", "zebra/b.png"), order);
        int[] expected = {0, 1, 1, 2, 2};
        for (int i = 0; i < 5; i++) {
            assertEquals(expected[i], d.label(i));
            Example e = d.get(i);
            assertEquals(expected[i], e.label());
            assertEquals(d.className(expected[i]), e.caption(), "no side-car: the class name");
            assertEquals(List.of(), e.layout());
        }
        assertArrayEquals(gradient(8, 8, 2).chw(), d.get(3).pixels(), "zebra/a.png, untouched at its own size");
        assertThrows(IndexOutOfBoundsException.class, () -> d.className(3));
        assertThrows(IndexOutOfBoundsException.class, () -> d.get(5));
    }

    @Test
    void imagesDirectlyInTheRootFormOneClassNamedAfterTheFolder() throws IOException {
        Path root = dir.resolve("flowers");
        png(root.resolve("b.png"), gradient(8, 8, 1));
        png(root.resolve("a.png"), gradient(8, 8, 2));
        ImageFolderDataset d = ImageFolderDataset.open(root, 8);
        assertEquals(List.of("flowers"), d.classNames());
        assertEquals(2, d.size());
        assertEquals(0, d.get(1).label());
        assertEquals("", d.get(0).caption(), "no class folders and no side-car: an empty caption");
        assertArrayEquals(gradient(8, 8, 2).chw(), d.get(0).pixels(), "a.png sorts first");
    }

    @Test
    void sideCarTextFilesGiveTrimmedCaptions() throws IOException {
        png(dir.resolve("dogs/rex.png"), gradient(8, 8, 1));
        text(dir.resolve("dogs/rex.txt"), "  a brown dog, on grass \n\n");
        jpeg(dir.resolve("dogs/fido.jpeg"), gradient(8, 8, 2));
        text(dir.resolve("dogs/fido.txt"), "un chien noir \u00e0 la plage\n");
        png(dir.resolve("dogs/empty.png"), gradient(8, 8, 3));
        text(dir.resolve("dogs/empty.txt"), " \n");
        png(dir.resolve("dogs/plain.png"), gradient(8, 8, 4));
        ImageFolderDataset d = ImageFolderDataset.open(dir, 8);
        List<String> captions = new ArrayList<>();
        for (long i = 0; i < d.size(); i++) {
            captions.add(d.get(i).caption());
        }
        // empty.png, fido.jpeg, plain.png, rex.png
        assertEquals(List.of("", "un chien noir \u00e0 la plage", "dogs", "a brown dog, on grass"), captions);
    }

    @Test
    void theShorterSideIsResizedThenTheCentreIsCut() throws IOException {
        RgbImage wide = gradient(8, 14, 1);
        RgbImage tall = gradient(13, 8, 2);
        png(dir.resolve("a/wide.png"), wide);
        png(dir.resolve("a/tall.png"), tall);
        ImageFolderDataset d = ImageFolderDataset.open(dir, 4);
        // tall: 13x8 -> 7x4 (13 * 4 / 8 = 6.5 rounds to 7), rows 1..4; wide: 8x14 -> 4x7, columns 1..4
        RgbImage t = tall.resize(7, 4, Resize.AREA).crop(1, 0, 4, 4);
        RgbImage w = wide.resize(4, 7, Resize.AREA).crop(0, 1, 4, 4);
        assertArrayEquals(t.chw(), d.get(0).pixels());
        assertArrayEquals(w.chw(), d.get(1).pixels());
        assertEquals(4, d.height());
        assertEquals(4, d.width());

        ImageFolderDataset bilinear =
                ImageFolderDataset.open(dir, ImageFolderOptions.of(4).withResize(Resize.BILINEAR));
        assertArrayEquals(wide.resize(4, 7, Resize.BILINEAR).crop(0, 1, 4, 4).chw(), bilinear.get(1).pixels());
    }

    @Test
    void randomCropsArePureFunctionsOfSeedIndexAndEpoch() throws IOException {
        RgbImage image = gradient(6, 12, 3);
        for (int i = 0; i < 24; i++) {
            png(dir.resolve("c/img" + (char) ('a' + i) + ".png"), image);
        }
        ImageFolderOptions opts = ImageFolderOptions.of(6).withCrop(ImageFolderOptions.Crop.RANDOM).withSeed(11);
        ImageFolderDataset d = ImageFolderDataset.open(dir, opts);
        ImageFolderDataset again = ImageFolderDataset.open(dir, opts);
        Set<Integer> offsets = new HashSet<>();
        int[] offset = new int[24];
        for (int i = 0; i < 24; i++) {
            Example e = d.get(i);
            assertEquals(e, d.get(i), "the same index gives the same crop");
            assertEquals(e, again.get(i), "a dataset reopened with the same options too");
            offset[i] = offsetOf(image, e);
            offsets.add(offset[i]);
        }
        assertTrue(offsets.size() >= 4, "24 draws of 7 offsets should give several, got " + offsets);

        // the documented stream: new Rng(seed).fork(index).fork(epoch), row offset first, then column offset
        for (int i = 0; i < 24; i++) {
            org.ldm4j.core.random.Rng r = new org.ldm4j.core.random.Rng(11).fork(i).fork(0);
            assertEquals(0, r.nextLong(1));
            assertEquals(r.nextLong(7), offset[i], "index " + i);
        }

        ImageFolderDataset epoch1 = d.withEpoch(1);
        assertEquals(1, epoch1.epoch());
        int moved = 0;
        for (int i = 0; i < 24; i++) {
            moved += offsetOf(image, epoch1.get(i)) != offset[i] ? 1 : 0;
            assertEquals(epoch1.get(i), again.withEpoch(1).get(i));
        }
        assertTrue(moved > 0, "another epoch gives other crops");
        assertEquals(d.get(5), epoch1.withEpoch(0).get(5), "epoch 0 is the default");

        ImageFolderDataset otherSeed = ImageFolderDataset.open(dir, opts.withSeed(12));
        int differ = 0;
        for (int i = 0; i < 24; i++) {
            differ += otherSeed.get(i).equals(d.get(i)) ? 0 : 1;
        }
        assertTrue(differ > 0, "another seed gives other crops");
    }

    /** The column at which {@code e} was cut from {@code image} (6 rows, so only columns can move). */
    private static int offsetOf(RgbImage image, Example e) {
        for (int x = 0; x + e.width() <= image.width(); x++) {
            if (java.util.Arrays.equals(image.crop(0, x, e.height(), e.width()).chw(), e.pixels())) {
                return x;
            }
        }
        throw new AssertionError("the example is no window of the image");
    }

    @Test
    void flipsMirrorAboutHalfTheExamplesAndOnlyThose() throws IOException {
        RgbImage image = gradient(5, 5, 4);
        for (int i = 0; i < 40; i++) {
            png(dir.resolve(String.format("f/%02d.png", i)), image);
        }
        ImageFolderDataset d = ImageFolderDataset.open(dir, ImageFolderOptions.of(5).withFlip(true).withSeed(3));
        int flipped = 0;
        for (int i = 0; i < 40; i++) {
            float[] p = d.get(i).pixels();
            boolean same = java.util.Arrays.equals(image.chw(), p);
            boolean mirrored = java.util.Arrays.equals(image.flipHorizontal().chw(), p);
            assertTrue(same ^ mirrored, "example " + i + " is the image or its mirror");
            flipped += mirrored ? 1 : 0;
        }
        assertTrue(flipped > 8 && flipped < 32, "about half of 40 mirrored, got " + flipped);
        ImageFolderDataset noFlip = ImageFolderDataset.open(dir, ImageFolderOptions.of(5).withSeed(3));
        for (int i = 0; i < 40; i++) {
            assertArrayEquals(image.chw(), noFlip.get(i).pixels());
        }
    }

    @Test
    void parallelBatchesEqualSerialGets() throws IOException {
        for (int i = 0; i < 12; i++) {
            png(dir.resolve((i % 3 == 0 ? "x" : "y") + "/" + i + ".png"), gradient(9 + i, 11, i));
        }
        ImageFolderDataset d = ImageFolderDataset.open(dir, ImageFolderOptions.of(8)
                .withCrop(ImageFolderOptions.Crop.RANDOM).withFlip(true).withSeed(5));
        Batch b = Batches.range(d, 0, 12);
        float[] all = b.images().toFloatArray();
        int per = 3 * 8 * 8;
        for (int i = 0; i < 12; i++) {
            assertArrayEquals(d.get(i).pixels(), java.util.Arrays.copyOfRange(all, i * per, (i + 1) * per));
            assertEquals(d.label(i), b.labels().toLongArray()[i]);
        }
    }

    @Test
    void jpegFilesAreRead() throws IOException {
        float[] chw = new float[3 * 16 * 16];
        java.util.Arrays.fill(chw, 0, 256, 0.6f);        // R
        java.util.Arrays.fill(chw, 256, 512, -0.2f);     // G
        java.util.Arrays.fill(chw, 512, 768, -0.8f);     // B
        jpeg(dir.resolve("j/solid.JPG"), new RgbImage(16, 16, chw));
        Example e = ImageFolderDataset.open(dir, 8).get(0);
        assertEquals(0.6, e.pixel(0, 4, 4), 0.05);
        assertEquals(-0.2, e.pixel(1, 4, 4), 0.05);
        assertEquals(-0.8, e.pixel(2, 4, 4), 0.05);
    }

    @Test
    void aMissingFolderIsNamed() {
        Path missing = dir.resolve("nope");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ImageFolderDataset.open(missing, 8));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("expected a folder"),
                e.getMessage());
    }

    @Test
    void aFileInsteadOfAFolderIsRefused() throws IOException {
        Path file = png(dir.resolve("one.png"), gradient(8, 8, 0));
        IOException e = assertThrows(IOException.class, () -> ImageFolderDataset.open(file, 8));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("expected a folder"),
                e.getMessage());
    }

    @Test
    void aFolderWithoutImagesIsRefused() throws IOException {
        text(dir.resolve("a/caption.txt"), "hello");
        png(dir.resolve(".cache/x.png"), gradient(8, 8, 0));
        IOException e = assertThrows(IOException.class, () -> ImageFolderDataset.open(dir, 8));
        assertTrue(e.getMessage().contains("no images in " + dir) && e.getMessage().contains(".png, .jpg, .jpeg"),
                e.getMessage());
    }

    @Test
    void looseImagesBesideClassFoldersAreRefused() throws IOException {
        png(dir.resolve("loose.png"), gradient(8, 8, 0));
        png(dir.resolve("cls/a.png"), gradient(8, 8, 1));
        IOException e = assertThrows(IOException.class, () -> ImageFolderDataset.open(dir, 8));
        assertTrue(e.getMessage().contains("loose.png") && e.getMessage().contains("[cls]"), e.getMessage());
    }

    @Test
    void aCorruptImageIsReportedAtGetTimeNamingTheFile() throws IOException {
        png(dir.resolve("a/good.png"), gradient(8, 8, 0));
        Path bad = dir.resolve("a/bad.png");
        Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path notImage = dir.resolve("a/text.jpg");
        Files.writeString(notImage, "this is not a JPEG");
        ImageFolderDataset d = ImageFolderDataset.open(dir, 8);       // indexing reads no image
        assertEquals(3, d.size());
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> d.get(0));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        UncheckedIOException e2 = assertThrows(UncheckedIOException.class, () -> d.get(2));
        assertTrue(e2.getMessage().contains(notImage.toString()), e2.getMessage());
        assertEquals(8, d.get(1).height());
    }

    @Test
    void anImageSmallerThanTheTargetIsRefusedUnlessUpscalingIsAllowed() throws IOException {
        Path small = png(dir.resolve("s/small.png"), gradient(6, 10, 0));
        ImageFolderDataset d = ImageFolderDataset.open(dir, 8);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.get(0));
        assertTrue(e.getMessage().contains(small.toString()) && e.getMessage().contains("at least 8")
                && e.getMessage().contains("6x10"), e.getMessage());
        Example up = ImageFolderDataset.open(dir, ImageFolderOptions.of(8).withUpscale(true)
                .withResize(Resize.BILINEAR)).get(0);
        assertArrayEquals(gradient(6, 10, 0).resize(8, 13, Resize.BILINEAR).crop(0, 2, 8, 8).chw(), up.pixels());
    }

    @Test
    void optionsAreValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolderOptions.of(0));
        assertTrue(e.getMessage().contains("size") && e.getMessage().contains("got 0"), e.getMessage());
        assertThrows(NullPointerException.class, () -> ImageFolderOptions.of(8).withCrop(null));
        ImageFolderOptions o = ImageFolderOptions.of(8);
        assertEquals(false, o.isRandom());
        assertEquals(true, o.withFlip(true).isRandom());
        assertEquals(true, o.withCrop(ImageFolderOptions.Crop.RANDOM).isRandom());
        assertEquals(16, o.withSize(16).size());
    }

    @Test
    void theDescriptionNamesTheFolderCountAndOptions() throws IOException {
        png(dir.resolve("a/x.png"), gradient(8, 8, 0));
        ImageFolderDataset d = ImageFolderDataset.open(dir, 8);
        String s = d.toString();
        assertTrue(s.contains(dir.toAbsolutePath().normalize().toString()) && s.contains("1 images")
                && s.contains("epoch=0"), s);
        assertNotEquals(s, d.withEpoch(2).toString());
        assertSame(d.options(), d.withEpoch(2).options());
    }
}
