package org.ldm4j.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.training.image.Resize;
import org.ldm4j.training.image.RgbImage;

class IdxDatasetTest {
    @TempDir
    Path dir;

    // ---------------------------------------------------------------- writing IDX files

    /** The bytes of an IDX images file: magic 0x803, count, rows, cols, pixels. */
    static byte[] imagesIdx(int count, int rows, int cols, byte[] pixels) {
        return ByteBuffer.allocate(16 + pixels.length).putInt(IdxDataset.IMAGES_MAGIC).putInt(count).putInt(rows)
                .putInt(cols).put(pixels).array();
    }

    /** The bytes of an IDX labels file: magic 0x801, count, labels. */
    static byte[] labelsIdx(byte[] labels) {
        return ByteBuffer.allocate(8 + labels.length).putInt(IdxDataset.LABELS_MAGIC).putInt(labels.length)
                .put(labels).array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    /** Pixel {@code p} of image {@code i}: a pattern that differs between images and positions. */
    static byte[] pattern(int count, int rows, int cols) {
        byte[] px = new byte[count * rows * cols];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) ((i * 37 + i / (rows * cols) * 11) % 256);
        }
        return px;
    }

    static Path write(Path file, byte[] data) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, data);
    }

    // ---------------------------------------------------------------- reading

    @Test
    void imagesBecomeThreeEqualChannelsInMinusOneToOne() throws IOException {
        byte[] px = pattern(3, 4, 5);
        px[0] = 0;
        px[1] = (byte) 255;
        px[2] = (byte) 128;
        Path images = write(dir.resolve("train-images-idx3-ubyte"), imagesIdx(3, 4, 5, px));
        Path labels = write(dir.resolve("train-labels-idx1-ubyte"), labelsIdx(new byte[] {7, 0, 9}));
        IdxDataset d = IdxDataset.open(images, labels);
        assertEquals(3, d.size());
        assertEquals(4, d.height());
        assertEquals(5, d.width());
        assertEquals(10, d.numClasses());
        for (int i = 0; i < 3; i++) {
            Example e = d.get(i);
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 5; x++) {
                    float v = (float) ((px[i * 20 + y * 5 + x] & 0xff) / 127.5 - 1);
                    for (int c = 0; c < 3; c++) {
                        assertEquals(v, e.pixel(c, y, x), "image " + i + " (" + c + ", " + y + ", " + x + ")");
                    }
                }
            }
        }
        assertEquals(-1f, d.get(0).pixel(0, 0, 0));
        assertEquals(1f, d.get(0).pixel(1, 0, 1));
        assertEquals(7, d.get(0).label());
        assertEquals(9, d.label(2));
        assertEquals("7", d.get(0).caption(), "an MNIST path: digit names");
        assertEquals(IdxDataset.Kind.MNIST, d.kind());
        assertThrows(IndexOutOfBoundsException.class, () -> d.get(3));
    }

    @Test
    void plainAndGzippedFilesGiveTheSameExamples() throws IOException {
        byte[] px = pattern(6, 28, 28);
        byte[] y = {0, 1, 2, 3, 4, 5};
        Path plain = dir.resolve("plain");
        Path gz = dir.resolve("gz");
        write(plain.resolve("t10k-images-idx3-ubyte"), imagesIdx(6, 28, 28, px));
        write(plain.resolve("t10k-labels-idx1-ubyte"), labelsIdx(y));
        write(gz.resolve("t10k-images-idx3-ubyte.gz"), gzip(imagesIdx(6, 28, 28, px)));
        write(gz.resolve("t10k-labels-idx1-ubyte.gz"), gzip(labelsIdx(y)));
        IdxDataset a = IdxDataset.open(plain, IdxDataset.Split.TEST);
        IdxDataset b = IdxDataset.open(gz, IdxDataset.Split.TEST);
        assertEquals(gz.resolve("t10k-images-idx3-ubyte.gz"), b.imagesFile());
        assertEquals(gz.resolve("t10k-labels-idx1-ubyte.gz"), b.labelsFile());
        for (int i = 0; i < 6; i++) {
            assertEquals(a.get(i), b.get(i));
        }
        // gzip is recognised by content, not by name
        Path disguised = write(dir.resolve("other/images.bin"), gzip(imagesIdx(6, 28, 28, px)));
        assertEquals(a.get(4), IdxDataset.open(disguised, plain.resolve("t10k-labels-idx1-ubyte")).get(4));
    }

    @Test
    void aFolderIsSearchedForTheSplitsFiles() throws IOException {
        write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(imagesIdx(2, 3, 3, pattern(2, 3, 3))));
        write(dir.resolve("train-labels.idx1-ubyte"), labelsIdx(new byte[] {1, 2}));       // MNIST's dotted name
        write(dir.resolve("t10k-images-idx3-ubyte"), imagesIdx(1, 3, 3, pattern(1, 3, 3)));
        write(dir.resolve("t10k-labels-idx1-ubyte"), labelsIdx(new byte[] {8}));
        assertEquals(2, IdxDataset.open(dir, IdxDataset.Split.TRAIN).size());
        IdxDataset test = IdxDataset.open(dir, IdxDataset.Split.TEST);
        assertEquals(1, test.size());
        assertEquals(8, test.get(0).label());
        // a plain file is preferred to a gzipped one
        write(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzip(labelsIdx(new byte[] {3})));
        assertEquals(8, IdxDataset.open(dir, IdxDataset.Split.TEST).label(0));
    }

    @Test
    void fashionMnistIsDetectedFromThePathAndCanBeChosen() throws IOException {
        Path fashion = dir.resolve("Fashion-MNIST");
        byte[] y = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        write(fashion.resolve("train-images-idx3-ubyte"), imagesIdx(10, 2, 2, pattern(10, 2, 2)));
        write(fashion.resolve("train-labels-idx1-ubyte"), labelsIdx(y));
        IdxDataset d = IdxDataset.open(fashion, IdxDataset.Split.TRAIN);
        assertEquals(IdxDataset.Kind.FASHION_MNIST, d.kind());
        List<String> names = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                "Sneaker", "Bag", "Ankle boot");
        for (int i = 0; i < 10; i++) {
            assertEquals(names.get(i), d.className(i));
            assertEquals(names.get(i), d.get(i).caption());
        }
        IdxDataset digits = d.withKind(IdxDataset.Kind.MNIST);
        assertEquals("9", digits.get(9).caption());
        assertEquals(d.get(3).pixels().length, digits.get(3).pixels().length);
        assertArrayEquals(d.get(3).pixels(), digits.get(3).pixels());
        assertEquals(IdxDataset.Kind.MNIST, IdxDataset.Kind.detect(Path.of("/data/mnist/train-images-idx3-ubyte")));
        assertEquals(IdxDataset.Kind.FASHION_MNIST,
                IdxDataset.Kind.detect(Path.of("/usr/share/dataset-fashion-mnist/train-images-idx3-ubyte.gz")));
        assertThrows(IndexOutOfBoundsException.class, () -> d.className(10));
    }

    @Test
    void paddingCentresTheImageOnBlack() throws IOException {
        byte[] px = pattern(2, 28, 28);
        Path images = write(dir.resolve("i"), imagesIdx(2, 28, 28, px));
        Path labels = write(dir.resolve("l"), labelsIdx(new byte[] {1, 2}));
        IdxDataset d = IdxDataset.open(images, labels);
        IdxDataset padded = d.padTo(32);
        assertEquals(32, padded.height());
        assertEquals(32, padded.width());
        assertEquals(28, padded.sourceHeight());
        Example src = d.get(1);
        Example e = padded.get(1);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    boolean inside = y >= 2 && y < 30 && x >= 2 && x < 30;
                    assertEquals(inside ? src.pixel(c, y - 2, x - 2) : -1f, e.pixel(c, y, x), y + ", " + x);
                }
            }
        }
        // an odd margin: the extra row and column go to the bottom and right
        Example odd = d.padTo(31).get(0);
        assertEquals(d.get(0).pixel(0, 0, 0), odd.pixel(0, 1, 1));
        assertEquals(-1f, odd.pixel(0, 0, 0));
        assertEquals(d.get(0).pixel(0, 27, 27), odd.pixel(0, 28, 28));
        assertEquals(-1f, odd.pixel(0, 29, 29));
        assertEquals(-1f, odd.pixel(0, 30, 30));
        assertTrue(padded.toString().contains("padded to 32x32"), padded.toString());

        IllegalArgumentException err = assertThrows(IllegalArgumentException.class, () -> d.padTo(27));
        assertTrue(err.getMessage().contains("28x28") && err.getMessage().contains("27"), err.getMessage());
    }

    @Test
    void resizingResamplesTheGreyImage() throws IOException {
        byte[] px = pattern(1, 28, 28);
        IdxDataset d = IdxDataset.open(write(dir.resolve("i"), imagesIdx(1, 28, 28, px)),
                write(dir.resolve("l"), labelsIdx(new byte[] {4})));
        Example native28 = d.get(0);
        RgbImage expected = new RgbImage(28, 28, native28.pixels()).resize(32, 32, Resize.BILINEAR);
        Example e = d.resizeTo(32, Resize.BILINEAR).get(0);
        assertArrayEquals(expected.chw(), e.pixels());
        assertEquals(16, d.resizeTo(16, Resize.AREA).get(0).height());
        assertEquals(4, d.resizeTo(16, Resize.AREA).get(0).label());
        assertThrows(IllegalArgumentException.class, () -> d.resizeTo(0, Resize.AREA));
    }

    // ---------------------------------------------------------------- errors

    @Test
    void missingFilesAndFoldersAreNamed() throws IOException {
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> IdxDataset.open(dir.resolve("absent"), IdxDataset.Split.TRAIN));
        assertTrue(e.getMessage().contains("absent") && e.getMessage().contains("train-images-idx3-ubyte"),
                e.getMessage());
        write(dir.resolve("train-images-idx3-ubyte"), imagesIdx(1, 2, 2, new byte[4]));
        NoSuchFileException e2 = assertThrows(NoSuchFileException.class,
                () -> IdxDataset.open(dir, IdxDataset.Split.TRAIN));
        assertTrue(e2.getMessage().contains(dir.toString()) && e2.getMessage().contains("train-labels-idx1-ubyte.gz"),
                e2.getMessage());
        NoSuchFileException e3 = assertThrows(NoSuchFileException.class,
                () -> IdxDataset.open(dir.resolve("train-images-idx3-ubyte"), dir.resolve("nolabels")));
        assertTrue(e3.getMessage().contains("nolabels"), e3.getMessage());
    }

    @Test
    void aWrongMagicNumberIsReported() throws IOException {
        Path images = write(dir.resolve("i"), imagesIdx(2, 2, 2, new byte[8]));
        Path labels = write(dir.resolve("l"), labelsIdx(new byte[] {1, 1}));
        IOException swapped = assertThrows(IOException.class, () -> IdxDataset.open(labels, images));
        assertTrue(swapped.getMessage().contains("0x00000803") && swapped.getMessage().contains("found 0x00000801")
                && swapped.getMessage().contains("swapped"), swapped.getMessage());
        Path png = write(dir.resolve("x.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0});
        IOException notIdx = assertThrows(IOException.class, () -> IdxDataset.open(png, labels));
        assertTrue(notIdx.getMessage().contains(png.toString()) && notIdx.getMessage().contains("magic"),
                notIdx.getMessage());
    }

    @Test
    void truncatedAndOverlongFilesAreReported() throws IOException {
        Path labels = write(dir.resolve("l"), labelsIdx(new byte[] {1, 1, 1}));
        byte[] full = imagesIdx(3, 4, 4, pattern(3, 4, 4));
        Path cut = write(dir.resolve("cut"), Arrays.copyOf(full, full.length - 5));
        IOException e = assertThrows(IOException.class, () -> IdxDataset.open(cut, labels));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("truncated")
                && e.getMessage().contains("expected 48 bytes") && e.getMessage().contains("found 43"), e.getMessage());
        Path header = write(dir.resolve("header"), Arrays.copyOf(full, 10));
        IOException h = assertThrows(IOException.class, () -> IdxDataset.open(header, labels));
        assertTrue(h.getMessage().contains("header of 16 bytes"), h.getMessage());
        Path longer = write(dir.resolve("long"), Arrays.copyOf(full, full.length + 3));
        IOException l = assertThrows(IOException.class, () -> IdxDataset.open(longer, labels));
        assertTrue(l.getMessage().contains("longer than its header"), l.getMessage());
        Path cutGz = write(dir.resolve("cut.gz"), Arrays.copyOf(gzip(full), 20));
        IOException g = assertThrows(IOException.class, () -> IdxDataset.open(cutGz, labels));
        assertTrue(g.getMessage().contains(cutGz.toString()) && g.getMessage().contains("gzip"), g.getMessage());
        Path cutLabels = write(dir.resolve("cl"), Arrays.copyOf(labelsIdx(new byte[] {1, 1, 1}), 10));
        Path images = write(dir.resolve("i"), full);
        IOException cl = assertThrows(IOException.class, () -> IdxDataset.open(images, cutLabels));
        assertTrue(cl.getMessage().contains("truncated") && cl.getMessage().contains("3 labels"), cl.getMessage());
    }

    @Test
    void countsOfImagesAndLabelsMustMatch() throws IOException {
        Path images = write(dir.resolve("i"), imagesIdx(3, 2, 2, new byte[12]));
        Path labels = write(dir.resolve("l"), labelsIdx(new byte[] {1, 2}));
        IOException e = assertThrows(IOException.class, () -> IdxDataset.open(images, labels));
        assertTrue(e.getMessage().contains("3 images") && e.getMessage().contains("2 labels"), e.getMessage());
        Path empty = write(dir.resolve("e"), imagesIdx(0, 2, 2, new byte[0]));
        IOException z = assertThrows(IOException.class, () -> IdxDataset.open(empty, labels));
        assertTrue(z.getMessage().contains("at least one image"), z.getMessage());
    }

    @Test
    void labelsOutsideTheTenClassesAreReported() throws IOException {
        Path images = write(dir.resolve("i"), imagesIdx(3, 2, 2, new byte[12]));
        Path labels = write(dir.resolve("l"), labelsIdx(new byte[] {1, 10, 2}));
        IOException e = assertThrows(IOException.class, () -> IdxDataset.open(images, labels));
        assertTrue(e.getMessage().contains("label 1 is 10") && e.getMessage().contains("[0, 10)"), e.getMessage());
        Path neg = write(dir.resolve("n"), labelsIdx(new byte[] {1, 2, (byte) 200}));
        IOException n = assertThrows(IOException.class, () -> IdxDataset.open(images, neg));
        assertTrue(n.getMessage().contains("label 2 is 200"), n.getMessage());
    }

    // ---------------------------------------------------------------- the real files, where installed

    @Test
    void readsTheRealFashionMnistWhereDebianInstalledIt() throws IOException {
        Path found = findFashionMnist();
        Assumptions.assumeTrue(found != null, "Fashion-MNIST is not installed here (Debian package "
                + "dataset-fashion-mnist, or -Dldm4j.fashionMnist=<folder>): skipping the test on the real files");
        IdxDataset test = IdxDataset.open(found, IdxDataset.Split.TEST);
        assertEquals(10_000, test.size());
        assertEquals(28, test.height());
        assertEquals(IdxDataset.Kind.FASHION_MNIST, test.kind());
        int[] perClass = new int[10];
        for (long i = 0; i < test.size(); i++) {
            perClass[test.label(i)]++;
        }
        for (int c = 0; c < 10; c++) {
            assertEquals(1_000, perClass[c], "the test split has 1000 images of class " + c);
        }
        Example first = test.padTo(32).get(0);
        assertEquals(32, first.height());
        assertEquals("Ankle boot", first.caption(), "the first test image is an ankle boot (label 9)");
        IdxDataset train = IdxDataset.open(found, IdxDataset.Split.TRAIN);
        assertEquals(60_000, train.size());
        assertEquals(9, train.label(0));
    }

    /**
     * The folder holding Fashion-MNIST's IDX files: the system property {@code ldm4j.fashionMnist}, else the folder
     * of the files that {@code dpkg -L dataset-fashion-mnist} lists, else a usual install folder; null if none.
     */
    static Path findFashionMnist() {
        String property = System.getProperty("ldm4j.fashionMnist");
        if (property != null && Files.isDirectory(Path.of(property))) {
            return Path.of(property);
        }
        try {
            Process p = new ProcessBuilder("dpkg", "-L", "dataset-fashion-mnist").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String listing = new String(p.getInputStream().readAllBytes());
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                for (String line : listing.split("\n")) {
                    Path file = Path.of(line.strip());
                    String name = file.getFileName() == null ? "" : file.getFileName().toString();
                    if (name.startsWith("t10k-images-idx3-ubyte") && Files.isRegularFile(file)) {
                        return file.getParent();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no dpkg here: fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // without dpkg: the folder the package is expected to use
        for (String candidate : List.of("/usr/share/dataset-fashion-mnist", "/usr/share/fashion-mnist")) {
            Path d = Path.of(candidate);
            if (Files.isRegularFile(d.resolve("t10k-images-idx3-ubyte.gz"))
                    || Files.isRegularFile(d.resolve("t10k-images-idx3-ubyte"))) {
                return d;
            }
        }
        return null;
    }
}
