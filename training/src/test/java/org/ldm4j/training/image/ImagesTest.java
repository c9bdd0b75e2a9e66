package org.ldm4j.training.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

class ImagesTest {
    @TempDir
    Path dir;

    /** A (c, h, w) image of random 8-bit levels k / 127.5 - 1. */
    static float[] levels(Rng rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rng.nextLong(256) / 127.5 - 1);
        }
        return v;
    }

    @Test
    void aPngRoundTripKeepsEveryEightBitValue() throws IOException {
        float[] v = levels(new Rng(1), 3 * 17 * 23);
        Path file = dir.resolve("x.png");
        Images.write(Tensor.of(v, 3, 17, 23), file);
        Tensor back = Images.read(file);
        assertArrayEquals(new long[] {3, 17, 23}, back.shape());
        assertArrayEquals(v, back.toFloatArray());
        BufferedImage raw = ImageIO.read(file.toFile());
        assertEquals(23, raw.getWidth());
        assertEquals(17, raw.getHeight());
        int k = Math.round((v[0] + 1) * 127.5f);
        assertEquals(k, raw.getRGB(0, 0) >>> 16 & 0xff, "red of the top left pixel");
    }

    @Test
    void valuesAreClampedAndNanIsBlack() throws IOException {
        float[] v = new float[3 * 1 * 4];
        float[] row = {-3f, 5f, Float.NaN, 0f};
        for (int c = 0; c < 3; c++) {
            System.arraycopy(row, 0, v, 4 * c, 4);
        }
        Path file = dir.resolve("clamp.png");
        Images.write(Tensor.of(v, 3, 1, 4), file);
        float[] back = Images.read(file).toFloatArray();
        assertEquals(-1f, back[0]);
        assertEquals(1f, back[1]);
        assertEquals(-1f, back[2]);
        assertEquals(128 / 127.5 - 1, back[3], 1e-6);    // 0 -> round(127.5) = 128
    }

    @Test
    void greyTensorsAreWrittenAsGreyAndBatchesOfOneAsTheImage() throws IOException {
        float[] g = levels(new Rng(2), 5 * 6);
        Path grey = dir.resolve("grey.png");
        Images.write(Tensor.of(g, 1, 5, 6), grey);
        float[] back = Images.read(grey).toFloatArray();
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(g, Arrays.copyOfRange(back, c * 30, (c + 1) * 30), "channel " + c);
        }
        float[] v = levels(new Rng(3), 3 * 4 * 4);
        Path one = dir.resolve("one.png");
        Images.write(Tensor.of(v, 1, 3, 4, 4), one);
        assertArrayEquals(v, Images.read(one).toFloatArray());
    }

    @Test
    void gridsFollowTorchvisionLayout() throws IOException {
        int b = 10;
        int h = 8;
        int w = 6;
        float[] v = new float[b * 3 * h * w];
        for (int i = 0; i < b; i++) {
            Arrays.fill(v, i * 3 * h * w, (i + 1) * 3 * h * w, (float) (i * 20 / 127.5 - 1 + 1 / 127.5));
        }
        Tensor batch = Tensor.of(v, b, 3, h, w);
        Tensor grid = Images.grid(batch, 4, 2);
        // 4 columns, 3 rows: H' = 3 * (8 + 2) + 2, W' = 4 * (6 + 2) + 2
        assertArrayEquals(new long[] {3, 32, 34}, grid.shape());
        for (int i = 0; i < b; i++) {
            int top = (i / 4) * (h + 2) + 2;
            int left = (i % 4) * (w + 2) + 2;
            assertEquals(v[i * 3 * h * w], grid.get(1, top, left), 1e-6, "image " + i + " top left");
            assertEquals(v[i * 3 * h * w], grid.get(2, top + h - 1, left + w - 1), 1e-6, "image " + i + " bottom right");
            assertEquals(-1, grid.get(0, top - 1, left), "padding above image " + i);
            assertEquals(-1, grid.get(0, top, left + w), "padding right of image " + i);
        }
        assertEquals(-1, grid.get(0, 2 * 10 + 2 + 3, 2 * 8 + 2 + 3), "an empty cell of the last row");
        assertArrayEquals(new long[] {3, 8 + 4, 10 * 6 + 11 * 2}, Images.grid(batch, 20, 2).shape());
        assertArrayEquals(new long[] {3, 80, 6}, Images.grid(batch, 1, 0).shape());

        Path file = dir.resolve("grid.png");
        Images.writeGrid(batch, 4, 2, file);
        assertArrayEquals(grid.toFloatArray(), Images.read(file).toFloatArray());
        Path auto = dir.resolve("auto.png");
        Images.write(batch, auto);                       // ceil(sqrt(10)) = 4 per row, padding 2
        assertArrayEquals(new long[] {3, 32, 34}, Images.read(auto).shape());
    }

    @Test
    void writingIsAtomicReplacesOldFilesAndCreatesDirectories() throws IOException {
        Path file = dir.resolve("a/b/c/out.png");
        Images.write(Tensor.of(levels(new Rng(4), 12), 3, 2, 2), file);
        float[] second = levels(new Rng(5), 3 * 3 * 3);
        Images.write(Tensor.of(second, 3, 3, 3), file);
        assertArrayEquals(second, Images.read(file).toFloatArray());
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary files are left behind");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        assertTrue(perms.contains(PosixFilePermission.OWNER_READ) && perms.contains(PosixFilePermission.OWNER_WRITE));
        Path plain = Files.createFile(dir.resolve("reference"));
        assertEquals(Files.getPosixFilePermissions(plain), perms, "an image gets the permissions of a new file");
    }

    @Test
    void textChunksRoundTrip() throws IOException {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("prompt", "a small red circle at the top left — ünïcode");
        text.put("seed", "42");
        text.put("sampler", "DDIM 50 steps, guidance 3.0");
        Path file = dir.resolve("meta.png");
        float[] v = levels(new Rng(6), 3 * 4 * 5);
        Images.write(Tensor.of(v, 3, 4, 5), file, text);
        assertEquals(text, Images.readText(file));
        assertArrayEquals(v, Images.read(file).toFloatArray());
        assertEquals(Map.of(), Images.readText(writeSmall("plain.png")));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Images.write(Tensor.of(v, 3, 4, 5), dir.resolve("bad.png"), Map.of(" lead", "x")));
        assertTrue(bad.getMessage().startsWith("text: expected a PNG keyword"), bad.getMessage());
    }

    @Test
    void jpegAndGreyAndAlphaFilesAreRead() throws IOException {
        BufferedImage rgb = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                rgb.setRGB(x, y, 200 << 16 | 100 << 8 | 30);
            }
        }
        Path jpg = dir.resolve("flat.jpg");
        assertTrue(ImageIO.write(rgb, "jpeg", jpg.toFile()));
        Tensor t = Images.read(jpg);
        assertArrayEquals(new long[] {3, 8, 16}, t.shape());
        float[] v = t.toFloatArray();
        assertEquals(200 / 127.5 - 1, v[0], 4 / 127.5, "red of a flat JPEG");
        assertEquals(100 / 127.5 - 1, v[128], 4 / 127.5, "green of a flat JPEG");
        assertEquals(30 / 127.5 - 1, v[256], 4 / 127.5, "blue of a flat JPEG");

        BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 77, 255});
        Path gp = dir.resolve("grey.png");
        ImageIO.write(grey, "png", gp.toFile());
        float[] g = Images.read(gp).toFloatArray();
        float[] expected = {-1f, (float) (77 / 127.5 - 1), 1f};
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(expected, Arrays.copyOfRange(g, 3 * c, 3 * c + 3), "grey samples keep their values");
        }

        BufferedImage argb = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x40_0a_14_1e);
        Path ap = dir.resolve("alpha.png");
        ImageIO.write(argb, "png", ap.toFile());
        assertArrayEquals(new float[] {(float) (10 / 127.5 - 1), (float) (20 / 127.5 - 1), (float) (30 / 127.5 - 1)},
                Images.read(ap).toFloatArray(), "alpha is dropped");
    }

    @Test
    void badFilesGiveIoExceptionsNamingTheFile() throws IOException {
        Path missing = dir.resolve("missing.png");
        IOException e1 = assertThrows(IOException.class, () -> Images.read(missing));
        assertTrue(e1.getMessage().contains(missing.toString()) && e1.getMessage().contains("no such file"),
                e1.getMessage());

        Path text = dir.resolve("notes.png");
        Files.writeString(text, "not an image");
        IOException e2 = assertThrows(IOException.class, () -> Images.read(text));
        assertTrue(e2.getMessage().contains(text.toString()) && e2.getMessage().contains("not a PNG or JPEG"),
                e2.getMessage());

        Path good = writeSmall("good.png");
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.png");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        IOException e3 = assertThrows(IOException.class, () -> Images.read(truncated));
        assertTrue(e3.getMessage().contains(truncated.toString()), e3.getMessage());

        IOException e4 = assertThrows(IOException.class, () -> Images.read(dir));
        assertTrue(e4.getMessage().contains("directory"), e4.getMessage());

        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "a file where a directory should be");
        Path under = blocker.resolve("x.png");
        IOException e5 = assertThrows(IOException.class, () -> Images.write(Tensor.of(new float[3], 3, 1, 1), under));
        assertTrue(e5.getMessage().contains(under.toString()), e5.getMessage());

        Path subdir = Files.createDirectory(dir.resolve("taken.png"));
        IOException e6 = assertThrows(IOException.class, () -> Images.write(Tensor.of(new float[3], 3, 1, 1), subdir));
        assertTrue(e6.getMessage().contains("directory"), e6.getMessage());

        IllegalArgumentException e7 = assertThrows(IllegalArgumentException.class,
                () -> Images.write(Tensor.of(new float[3], 3, 1, 1), dir.resolve("x.jpg")));
        assertTrue(e7.getMessage().startsWith("file: expected a name ending in .png"), e7.getMessage());

        IOException e8 = assertThrows(IOException.class, () -> Images.readText(text));
        assertTrue(e8.getMessage().contains(text.toString()), e8.getMessage());
    }

    @Test
    void badTensorsAreNamed() {
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> Images.write(Tensor.of(new float[4], 2, 2), dir.resolve("r.png")));
        assertTrue(rank.getMessage().startsWith("image: expected"), rank.getMessage());
        IllegalArgumentException ch = assertThrows(IllegalArgumentException.class,
                () -> Images.grid(Tensor.of(new float[2 * 4 * 4], 1, 2, 4, 4), 1, 0));
        assertTrue(ch.getMessage().contains("1 or 3 channels") && ch.getMessage().contains("got 2"), ch.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Images.grid(Tensor.of(new float[48], 1, 3, 4, 4), 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Images.grid(Tensor.of(new float[48], 1, 3, 4, 4), 1, -1));
    }

    private Path writeSmall(String name) throws IOException {
        Path p = dir.resolve(name);
        Images.write(Tensor.of(levels(new Rng(7), 3 * 8 * 8), 3, 8, 8), p);
        return p;
    }
}
