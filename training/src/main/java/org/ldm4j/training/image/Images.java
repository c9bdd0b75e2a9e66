package org.ldm4j.training.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.imageio.ImageIO;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * Reading and writing images as tensors with values in [-1, 1]: PNG files written atomically (a temporary file in
 * the same directory, renamed over the target, so a reader never sees half a file), grids of a batch, and PNG or
 * JPEG files read into (3, H, W) float32 tensors, optionally resized ({@link Resize}).
 *
 * <p>Values map to 8 bits as {@code round((v + 1) * 127.5)}, clamped to [0, 255] (NaN becomes 0), and back as
 * {@code k / 127.5 - 1}: a PNG read and written again keeps its bytes. Errors on files are {@link IOException}s
 * that name the file.
 *
 * <pre>{@code
 * Images.write(x, Path.of("run/recon.png"));                                // (3, H, W), or a batch as a grid
 * Images.writeGrid(batch, 8, 2, Path.of("run/samples.png"));               // 8 per row, 2 px of black between
 * Images.write(x, Path.of("out.png"), Map.of("prompt", "a red circle", "seed", "42"));   // with text chunks
 * Tensor y = Images.read(Path.of("cat.jpg"), 64, 64, Resize.AREA);         // (3, 64, 64)
 * }</pre>
 */
public final class Images {
    /** The padding of {@link #write(Tensor, Path)}'s grids, in pixels. */
    public static final int DEFAULT_PADDING = 2;

    private Images() {
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes an image (3, H, W) or (1, H, W) as a PNG file; a batch (B, C, H, W) is written as a grid of
     * {@code ceil(sqrt(B))} images per row with {@value #DEFAULT_PADDING} pixels of padding (a batch of one as
     * the image alone).
     */
    public static void write(Tensor image, Path file) throws IOException {
        write(image, file, Map.of());
    }

    /** As {@link #write(Tensor, Path)}, with PNG text chunks (iTXt, UTF-8): prompt, seed, sampler. */
    public static void write(Tensor image, Path file, Map<String, String> text) throws IOException {
        Objects.requireNonNull(image, "image");
        RgbImage im;
        if (image.rank() == 4) {
            long b = image.size(0);
            im = b == 1 ? RgbImage.fromTensor(image.reshape(image.size(1), image.size(2), image.size(3)))
                    : RgbImage.fromTensor(grid(image, (int) Math.ceil(Math.sqrt(b)), DEFAULT_PADDING));
        } else if (image.rank() == 3) {
            im = RgbImage.fromTensor(image);
        } else {
            throw new IllegalArgumentException("image: expected (C, H, W) or (B, C, H, W), got rank " + image.rank()
                    + " " + Shapes.str(image.shape()));
        }
        write(im, file, text);
    }

    /** Writes an image as a PNG file. */
    public static void write(RgbImage image, Path file) throws IOException {
        write(image, file, Map.of());
    }

    /** Writes an image as a PNG file with text chunks (keywords: 1 to 79 Latin-1 characters; values: any text). */
    public static void write(RgbImage image, Path file, Map<String, String> text) throws IOException {
        Objects.requireNonNull(image, "image");
        checkPngName(file);
        Objects.requireNonNull(text, "text");
        text.forEach((k, v) -> {
            PngFiles.checkKeyword(k);
            Objects.requireNonNull(v, "text value of " + k);
        });
        PngFiles.writeAtomically(image.toBufferedImage(), file, text);
    }

    /** Writes a batch (B, C, H, W) as one PNG grid of {@code nrow} images per row (see {@link #grid}). */
    public static void writeGrid(Tensor batch, int nrow, int padding, Path file) throws IOException {
        write(RgbImage.fromTensor(grid(batch, nrow, padding)), file, Map.of());
    }

    /**
     * A batch (B, C, H, W), C = 1 or 3, laid out as one image (C, H', W') of {@code min(nrow, B)} columns and
     * {@code ceil(B / nrow)} rows, with {@code padding} pixels of black (-1) around and between the images:
     * {@code H' = rows * (H + padding) + padding}, {@code W' = cols * (W + padding) + padding} (as torchvision's
     * {@code make_grid}). Empty cells of the last row stay black.
     */
    public static Tensor grid(Tensor batch, int nrow, int padding) {
        return grid(batch, nrow, padding, -1f);
    }

    /** As {@link #grid(Tensor, int, int)}, with padding of value {@code padValue}. */
    public static Tensor grid(Tensor batch, int nrow, int padding, float padValue) {
        Objects.requireNonNull(batch, "batch");
        Shapes.checkRank("batch", batch, 4);
        Shapes.checkFloating("batch", batch);
        long[] s = batch.shape();
        if (s[1] != 1 && s[1] != 3) {
            throw new IllegalArgumentException("batch: expected 1 or 3 channels (dim 1), got " + s[1] + " in "
                    + Shapes.str(s));
        }
        if (nrow < 1) {
            throw new IllegalArgumentException("nrow: expected at least one image per row, got " + nrow);
        }
        if (padding < 0) {
            throw new IllegalArgumentException("padding: expected a non-negative number of pixels, got " + padding);
        }
        int b = (int) s[0];
        int c = (int) s[1];
        int h = (int) s[2];
        int w = (int) s[3];
        int cols = Math.min(nrow, b);
        int rows = (b + cols - 1) / cols;
        long gh = (long) rows * (h + padding) + padding;
        long gw = (long) cols * (w + padding) + padding;
        if (c * gh * gw > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("batch: a grid of " + gh + "x" + gw + " is too large for one array");
        }
        float[] src = batch.toFloatArray();
        float[] out = new float[(int) (c * gh * gw)];
        Arrays.fill(out, padValue);
        for (int i = 0; i < b; i++) {
            int top = (i / cols) * (h + padding) + padding;
            int left = (i % cols) * (w + padding) + padding;
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    System.arraycopy(src, ((i * c + ch) * h + y) * w, out,
                            (int) ((ch * gh + top + y) * gw + left), w);
                }
            }
        }
        return Tensor.of(out, c, gh, gw);
    }

    // ---------------------------------------------------------------- reading

    /** Reads a PNG or JPEG file (or any format javax.imageio reads) as a float32 tensor (3, H, W). */
    public static Tensor read(Path file) throws IOException {
        return readImage(file).toTensor();
    }

    /** Reads an image and resizes it to {@code height x width} (see {@link Resize}) as a tensor (3, H, W). */
    public static Tensor read(Path file, int height, int width, Resize mode) throws IOException {
        return readImage(file).resize(height, width, mode).toTensor();
    }

    /** Reads a PNG or JPEG file as an {@link RgbImage} (grey images as equal R, G and B; alpha dropped). */
    public static RgbImage readImage(Path file) throws IOException {
        checkReadable(file);
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read image " + file + ": it is corrupt or truncated (" + e + ")", e);
        }
        if (img == null) {
            throw new IOException("cannot read image " + file + ": not a PNG or JPEG file (or any format that "
                    + "javax.imageio reads)");
        }
        return RgbImage.fromBufferedImage(img);
    }

    /** The text chunks (tEXt, zTXt and iTXt) of a PNG file, keyword to text, in file order. */
    public static Map<String, String> readText(Path file) throws IOException {
        return PngFiles.readText(file);
    }

    static void checkReadable(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.exists(file)) {
            throw new IOException("cannot read image " + file + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new IOException("cannot read image " + file + ": it is a directory");
        }
        if (!Files.isReadable(file)) {
            throw new IOException("cannot read image " + file + ": permission denied");
        }
    }

    private static void checkPngName(Path file) {
        Objects.requireNonNull(file, "file");
        Path name = file.getFileName();
        if (name == null || !name.toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new IllegalArgumentException("file: expected a name ending in .png (images are written as PNG), got "
                    + file);
        }
    }
}
