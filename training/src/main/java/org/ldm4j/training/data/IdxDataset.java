package org.ldm4j.training.data;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import org.ldm4j.training.image.Resize;
import org.ldm4j.training.image.RgbImage;

/**
 * MNIST and Fashion-MNIST from their IDX files: unsigned-byte grey images ({@code *-images-idx3-ubyte}, magic
 * {@code 0x00000803}, then the count, rows and columns as big-endian int32) with their labels
 * ({@code *-labels-idx1-ubyte}, magic {@code 0x00000801}, then the count), each plain or gzip-compressed
 * (recognised by its first bytes, whatever its name). Both files are read and checked in full when the dataset is
 * opened (a Fashion-MNIST training set takes 47 MB of heap); examples are made on demand.
 *
 * <p>An example replicates the grey image on R, G and B, as {@code k / 127.5 - 1} for a byte {@code k} (the
 * mapping of {@link org.ldm4j.training.image.Images}), so black is -1. Diffusion U-Nets want sides divisible by
 * 8: {@link #padTo} centres the 28x28 images on a black square ({@code padTo(32)}: 2 pixels each side, the digits
 * untouched), {@link #resizeTo} resamples them. The caption is the class name.
 *
 * <p><b>Class names</b> come from the {@link Kind}: {@link Kind#FASHION_MNIST} names the ten garments, {@link
 * Kind#MNIST} the digits "0" to "9". {@link #open} detects the kind from the images file's absolute path: one that
 * mentions "fashion" (in any case, e.g. {@code /usr/share/dataset-fashion-mnist/}) is Fashion-MNIST, any other is
 * MNIST (whose names are the label numbers, so a miss only loses the garment names); {@link #withKind} overrides
 * it. Labels must lie in [0, 10).
 *
 * <pre>{@code
 * IdxDataset train = IdxDataset.open(Path.of("data/fashion"), IdxDataset.Split.TRAIN).padTo(32);
 * Example e = train.get(0);                       // (3, 32, 32); e.caption(): "Ankle boot"
 * IdxDataset test = IdxDataset.open(Path.of("t10k-images-idx3-ubyte.gz"), Path.of("t10k-labels-idx1-ubyte.gz"))
 *         .withKind(IdxDataset.Kind.MNIST).resizeTo(32, Resize.BILINEAR);
 * }</pre>
 */
public final class IdxDataset implements Dataset {
    /** The magic number of an unsigned-byte IDX file of three dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** The magic number of an unsigned-byte IDX file of one dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;
    /** The number of classes of both kinds. */
    public static final int NUM_CLASSES = 10;

    /** Which file pair of a folder {@link #open(Path, Split)} reads. */
    public enum Split {
        /** {@code train-images-idx3-ubyte} and {@code train-labels-idx1-ubyte}. */
        TRAIN("train"),
        /** {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte}. */
        TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }

        /** The file name prefix: "train" or "t10k". */
        public String prefix() {
            return prefix;
        }
    }

    /** The data set the files hold, which names the classes. */
    public enum Kind {
        /** Handwritten digits: classes "0" to "9". */
        MNIST(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")),
        /** Zalando's garments. */
        FASHION_MNIST(List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                "Bag", "Ankle boot"));

        private final List<String> classNames;

        Kind(List<String> classNames) {
            this.classNames = classNames;
        }

        /** The ten class names, in label order. */
        public List<String> classNames() {
            return classNames;
        }

        /** {@link #FASHION_MNIST} if the absolute path of {@code file} contains "fashion" (any case), else MNIST. */
        public static Kind detect(Path file) {
            String path = file.toAbsolutePath().toString().toLowerCase(Locale.ROOT);
            return path.contains("fashion") ? FASHION_MNIST : MNIST;
        }
    }

    /** How the source images are brought to the dataset's size. */
    private enum Fit { NONE, PAD, RESIZE }

    private final Path imagesFile;
    private final Path labelsFile;
    private final byte[] pixels;      // count * rows * cols, row-major
    private final byte[] labels;      // count
    private final int rows;
    private final int cols;
    private final Kind kind;
    private final Fit fit;
    private final int height;
    private final int width;
    private final Resize resize;      // for Fit.RESIZE

    private IdxDataset(Path imagesFile, Path labelsFile, byte[] pixels, byte[] labels, int rows, int cols, Kind kind,
            Fit fit, int height, int width, Resize resize) {
        this.imagesFile = imagesFile;
        this.labelsFile = labelsFile;
        this.pixels = pixels;
        this.labels = labels;
        this.rows = rows;
        this.cols = cols;
        this.kind = kind;
        this.fit = fit;
        this.height = height;
        this.width = width;
        this.resize = resize;
    }

    /**
     * The {@code split} of the IDX files in {@code dir}: {@code <prefix>-images-idx3-ubyte} and
     * {@code <prefix>-labels-idx1-ubyte}, each plain or with {@code .gz} (MNIST's original names with a dot,
     * {@code train-images.idx3-ubyte}, are accepted too; a plain file is preferred to a gzipped one).
     *
     * @throws NoSuchFileException if the folder or one of the files is missing (the message lists the names tried)
     * @throws IOException if a file is malformed (see {@link #open(Path, Path)})
     */
    public static IdxDataset open(Path dir, Split split) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(split, "split");
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, Files.exists(dir)
                    ? "expected a folder of IDX files, found a file" : "no such folder: expected a folder of IDX "
                    + "files (" + split.prefix() + "-images-idx3-ubyte[.gz], ...)");
        }
        return open(find(dir, split.prefix() + "-images", "idx3-ubyte"), find(dir, split.prefix() + "-labels",
                "idx1-ubyte"));
    }

    /**
     * The images and labels of two IDX files, each plain or gzipped, at their native size; the kind is detected
     * from {@code imagesFile}'s path ({@link Kind#detect}).
     *
     * @throws NoSuchFileException if a file is missing
     * @throws IOException if a file cannot be read, has the wrong magic number, is truncated or longer than its
     *                     header says, if the counts of images and labels differ, or if a label lies outside [0, 10)
     */
    public static IdxDataset open(Path imagesFile, Path labelsFile) throws IOException {
        Objects.requireNonNull(imagesFile, "imagesFile");
        Objects.requireNonNull(labelsFile, "labelsFile");
        byte[] images = readAll(imagesFile, "images");
        byte[] labelBytes = readAll(labelsFile, "labels");
        int count = header(imagesFile, images, IMAGES_MAGIC, 3, "images");
        int rows = readInt(images, 8);
        int cols = readInt(images, 12);
        if (rows < 1 || cols < 1) {
            throw new IOException(imagesFile + ": expected positive image rows and columns in the header, found "
                    + rows + "x" + cols);
        }
        if (count == 0) {
            throw new IOException(imagesFile + ": expected at least one image, found a count of 0 in the header");
        }
        checkLength(imagesFile, images, 16, (long) count * rows * cols, count + " images of " + rows + "x" + cols);
        int labelCount = header(labelsFile, labelBytes, LABELS_MAGIC, 1, "labels");
        checkLength(labelsFile, labelBytes, 8, labelCount, labelCount + " labels");
        if (count != labelCount) {
            throw new IOException("IDX files do not match: " + imagesFile + " holds " + count + " images but "
                    + labelsFile + " holds " + labelCount + " labels; expected one label per image");
        }
        byte[] pix = Arrays.copyOfRange(images, 16, images.length);
        byte[] lab = Arrays.copyOfRange(labelBytes, 8, labelBytes.length);
        for (int i = 0; i < lab.length; i++) {
            int y = lab[i] & 0xff;
            if (y >= NUM_CLASSES) {
                throw new IOException(labelsFile + ": label " + i + " is " + y + ", expected a class in [0, "
                        + NUM_CLASSES + ")");
            }
        }
        return new IdxDataset(imagesFile, labelsFile, pix, lab, rows, cols, Kind.detect(imagesFile), Fit.NONE, rows,
                cols, null);
    }

    /** The same examples with the class names of {@code newKind}. */
    public IdxDataset withKind(Kind newKind) {
        Objects.requireNonNull(newKind, "kind");
        return new IdxDataset(imagesFile, labelsFile, pixels, labels, rows, cols, newKind, fit, height, width, resize);
    }

    /**
     * The source images centred on a black {@code size x size} square (an odd margin puts the extra row or column
     * at the bottom or right): {@code padTo(32)} of MNIST adds 2 pixels on each side.
     */
    public IdxDataset padTo(int size) {
        if (size < rows || size < cols) {
            throw new IllegalArgumentException("size: expected at least the source size " + rows + "x" + cols
                    + " to pad to, got " + size + " (use resizeTo to shrink)");
        }
        return new IdxDataset(imagesFile, labelsFile, pixels, labels, rows, cols, kind, Fit.PAD, size, size, null);
    }

    /** The source images resampled to {@code size x size} with {@code mode}. */
    public IdxDataset resizeTo(int size, Resize mode) {
        Objects.requireNonNull(mode, "mode");
        if (size < 1) {
            throw new IllegalArgumentException("size: expected a positive image side, got " + size);
        }
        return new IdxDataset(imagesFile, labelsFile, pixels, labels, rows, cols, kind, Fit.RESIZE, size, size, mode);
    }

    @Override
    public Example get(long index) {
        checkIndex(index);
        int i = (int) index;
        int plane = rows * cols;
        float[] grey = new float[plane];
        for (int p = 0; p < plane; p++) {
            grey[p] = (float) ((pixels[i * plane + p] & 0xff) / 127.5 - 1);
        }
        float[] chw;
        if (fit == Fit.RESIZE) {
            chw = new RgbImage(rows, cols, rgb(grey)).resize(height, width, resize).chw();
        } else if (fit == Fit.PAD) {
            float[] padded = new float[height * width];
            Arrays.fill(padded, -1f);
            int top = (height - rows) / 2;
            int left = (width - cols) / 2;
            for (int y = 0; y < rows; y++) {
                System.arraycopy(grey, y * cols, padded, (top + y) * width + left, cols);
            }
            chw = rgb(padded);
        } else {
            chw = rgb(grey);
        }
        int label = labels[i] & 0xff;
        return new Example(chw, height, width, label, kind.classNames().get(label), List.of());
    }

    private static float[] rgb(float[] grey) {
        float[] out = new float[3 * grey.length];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(grey, 0, out, c * grey.length, grey.length);
        }
        return out;
    }

    /** The label of example {@code index}, without making its image. */
    public int label(long index) {
        checkIndex(index);
        return labels[(int) index] & 0xff;
    }

    public Kind kind() {
        return kind;
    }

    public Path imagesFile() {
        return imagesFile;
    }

    public Path labelsFile() {
        return labelsFile;
    }

    /** Rows of the images in the file (28 for MNIST). */
    public int sourceHeight() {
        return rows;
    }

    /** Columns of the images in the file (28 for MNIST). */
    public int sourceWidth() {
        return cols;
    }

    @Override
    public long size() {
        return labels.length;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public int numClasses() {
        return NUM_CLASSES;
    }

    @Override
    public String className(int label) {
        return kind.classNames().get(Objects.checkIndex(label, NUM_CLASSES));
    }

    @Override
    public String toString() {
        String how = switch (fit) {
            case NONE -> "";
            case PAD -> " padded to " + height + "x" + width;
            case RESIZE -> " resized (" + resize + ") to " + height + "x" + width;
        };
        return "IdxDataset[" + kind + ", " + imagesFile.toAbsolutePath() + ", " + labelsFile.toAbsolutePath() + ", "
                + labels.length + " images of " + rows + "x" + cols + how + "]";
    }

    // ---------------------------------------------------------------- files

    private static Path find(Path dir, String stem, String type) throws NoSuchFileException {
        List<String> tried = new ArrayList<>();
        for (String sep : List.of("-", ".")) {
            for (String gz : List.of("", ".gz")) {
                String name = stem + sep + type + gz;
                tried.add(name);
                Path p = dir.resolve(name);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        throw new NoSuchFileException(dir.toString(), null, "no " + stem + " file in this folder: expected one of "
                + tried);
    }

    /** The whole content of a file, gunzipped if it starts with the gzip magic bytes. */
    private static byte[] readAll(Path file, String what) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file: expected an IDX " + what + " file");
        }
        if (Files.isDirectory(file)) {
            throw new IOException("cannot read IDX " + what + " file " + file + ": it is a folder");
        }
        byte[] raw = Files.readAllBytes(file);
        if (raw.length < 2 || (raw[0] & 0xff) != 0x1f || (raw[1] & 0xff) != 0x8b) {
            return raw;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw), 1 << 16)) {
            int guess = (int) Math.min(Integer.MAX_VALUE - 8, raw.length * 4L);
            ByteArrayOutputStream out = new ByteArrayOutputStream(guess);
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IOException("cannot read IDX " + what + " file " + file + ": corrupt or truncated gzip data ("
                    + e.getMessage() + ")", e);
        } catch (OutOfMemoryError e) {
            throw new IOException("cannot read IDX " + what + " file " + file + ": it does not fit in memory "
                    + "uncompressed", e);
        }
    }

    /** Checks the magic number and returns the item count (dimension 0). */
    private static int header(Path file, byte[] b, int magic, int dims, String what) throws IOException {
        int need = 4 + 4 * dims;
        if (b.length >= 4 && readInt(b, 0) != magic) {
            int found = readInt(b, 0);
            throw new IOException(file + ": expected the IDX " + what + " magic number 0x" + hex(magic) + " (unsigned "
                    + "bytes, " + dims + " dimension" + (dims > 1 ? "s" : "") + "), found 0x" + hex(found)
                    + (found == IMAGES_MAGIC || found == LABELS_MAGIC ? " (are images and labels swapped?)" : ""));
        }
        if (b.length < need) {
            throw new IOException(file + ": truncated IDX " + what + " file: expected a header of " + need
                    + " bytes, found " + b.length + " bytes in all");
        }
        int count = readInt(b, 4);
        if (count < 0) {
            throw new IOException(file + ": expected a non-negative item count in the header, found " + count);
        }
        return count;
    }

    private static void checkLength(Path file, byte[] b, int headerBytes, long dataBytes, String what)
            throws IOException {
        long found = b.length - (long) headerBytes;
        if (found < dataBytes) {
            throw new IOException(file + ": truncated: expected " + dataBytes + " bytes of data (" + what
                    + ") after the " + headerBytes + "-byte header, found " + found);
        }
        if (found > dataBytes) {
            throw new IOException(file + ": expected " + dataBytes + " bytes of data (" + what + ") after the "
                    + headerBytes + "-byte header, found " + found + ": the file is longer than its header says");
        }
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static String hex(int v) {
        return String.format("%08x", v);
    }
}
