package org.ldm4j.training.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.ldm4j.core.random.Rng;
import org.ldm4j.training.image.Images;
import org.ldm4j.training.image.RgbImage;

/**
 * A folder of PNG and JPEG images (searched recursively) as a {@link Dataset} of square examples.
 *
 * <p><b>Labels.</b> Each top-level sub-folder that holds images, at any depth, is a class; classes are numbered in
 * the sorted order of their folder names, and {@link #className} is the folder name. Sub-folders without images
 * are not classes. If the root has no such sub-folder, its own images form a single class named after the root
 * folder. Images directly in the root beside class folders are refused (move them into a class folder).
 * Hidden files and folders (names starting with ".") are ignored.
 *
 * <p><b>Captions.</b> A side-car text file {@code name.txt} next to {@code name.png} (or {@code .jpg},
 * {@code .jpeg}) holds an image's caption, UTF-8, trimmed (an empty file gives an empty caption). Without one, the
 * caption is the class name, or "" when the root has no class folders. Layouts are empty.
 *
 * <p><b>Pixels.</b> The shorter side is resized to {@link ImageFolderOptions#size()} (aspect ratio kept), then
 * a square window is cut out and optionally mirrored ({@link ImageFolderOptions}). The file list is indexed once,
 * when the dataset is opened, in the code-point order of the paths relative to the root ('/' separated); files are
 * read on every {@link #get}, so a file that cannot be decoded is reported then, as an
 * {@link UncheckedIOException} naming it.
 *
 * <p><b>Determinism.</b> {@code get(i)} is a pure function of (options, epoch, i) and of the file's bytes: a
 * random crop and flip are drawn from {@code new Rng(seed).fork(i).fork(epoch)}, the crop's row offset first,
 * then its column offset, then the flip (draw {@code < 0.5} mirrors). The epoch is a property of the dataset
 * (0 unless set with {@link #withEpoch}), never of the order or the thread in which examples are fetched: by
 * default every epoch sees the same crop of image {@code i} (which keeps results reproducible and lets a
 * {@link LatentCache} hold one augmentation); a trainer that wants fresh augmentations each epoch uses
 * {@code dataset.withEpoch(e)}, which shares the file index.
 *
 * <pre>{@code
 * ImageFolderDataset data = ImageFolderDataset.open(Path.of("pets"),          // pets/cat/*.jpg, pets/dog/*.jpg
 *         ImageFolderOptions.of(64).withCrop(ImageFolderOptions.Crop.RANDOM).withFlip(true).withSeed(1));
 * data.className(1);                              // "dog"
 * Example e = data.get(0);                        // (3, 64, 64) in [-1, 1]; caption from pets/cat/a.txt if present
 * Dataset epoch3 = data.withEpoch(3);             // other crops and flips, same files
 * }</pre>
 */
public final class ImageFolderDataset implements Dataset {
    /** The file name extensions read as images (lower case, compared case-insensitively). */
    public static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg");

    private final Path root;
    private final ImageFolderOptions options;
    private final long epoch;
    private final Rng rng;
    private final List<String> classNames;
    private final boolean classFolders;
    private final Path[] files;
    private final Path[] captions;     // the side-car text file of each image, or null
    private final int[] labels;

    private ImageFolderDataset(Path root, ImageFolderOptions options, long epoch, List<String> classNames,
            boolean classFolders, Path[] files, Path[] captions, int[] labels) {
        this.root = root;
        this.options = options;
        this.epoch = epoch;
        this.rng = new Rng(options.seed());
        this.classNames = classNames;
        this.classFolders = classFolders;
        this.files = files;
        this.captions = captions;
        this.labels = labels;
    }

    /** The images under {@code root} as {@code size x size} centre crops ({@link ImageFolderOptions#of}). */
    public static ImageFolderDataset open(Path root, int size) throws IOException {
        return open(root, ImageFolderOptions.of(size));
    }

    /**
     * Indexes the images under {@code root}.
     *
     * @throws NoSuchFileException if {@code root} does not exist
     * @throws IOException if {@code root} is not a folder, holds no images, mixes loose images with class folders,
     *                     or cannot be listed
     */
    public static ImageFolderDataset open(Path root, ImageFolderOptions options) throws IOException {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(options, "options");
        Path dir = root.toAbsolutePath().normalize();
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(root.toString(), null,
                    "no such folder: expected a folder of PNG/JPEG images (directly or in class sub-folders)");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("cannot open image folder " + root + ": expected a folder, found a file");
        }
        // relative path ('/'-separated) -> file, in code-point order
        TreeMap<String, Path> images = new TreeMap<>();
        Set<String> texts = new HashSet<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(p -> !p.equals(dir) && !isHidden(dir.relativize(p)) && Files.isRegularFile(p))
                    .forEach(p -> {
                        String rel = slashed(dir.relativize(p));
                        String ext = extension(rel);
                        if (EXTENSIONS.contains(ext)) {
                            images.put(rel, p);
                        } else if (ext.equals("txt")) {
                            texts.add(rel);
                        }
                    });
        } catch (IOException | UncheckedIOException e) {
            throw new IOException("cannot list image folder " + root + ": " + e.getMessage(), e);
        }
        if (images.isEmpty()) {
            throw new IOException("no images in " + root + ": expected files ending in ." + String.join(", .",
                    EXTENSIONS) + " (case-insensitive) in it or in its sub-folders");
        }
        TreeSet<String> classSet = new TreeSet<>();
        List<String> loose = new ArrayList<>();
        for (String rel : images.keySet()) {
            int slash = rel.indexOf('/');
            if (slash < 0) {
                loose.add(rel);
            } else {
                classSet.add(rel.substring(0, slash));
            }
        }
        boolean classFolders = !classSet.isEmpty();
        if (classFolders && !loose.isEmpty()) {
            throw new IOException("image folder " + root + ": expected either images only in class sub-folders or "
                    + "only directly in the folder, found " + loose.size() + " loose images (e.g. " + loose.get(0)
                    + ") beside the class folders " + classSet + "; move them into a class folder");
        }
        List<String> classNames = classFolders ? List.copyOf(classSet) : List.of(folderName(dir));
        int n = images.size();
        Path[] files = new Path[n];
        Path[] captions = new Path[n];
        int[] labels = new int[n];
        int i = 0;
        for (var entry : images.entrySet()) {
            String rel = entry.getKey();
            files[i] = entry.getValue();
            String sidecar = rel.substring(0, rel.lastIndexOf('.')) + ".txt";
            captions[i] = texts.contains(sidecar) ? dir.resolve(sidecar) : null;
            labels[i] = classFolders ? classNames.indexOf(rel.substring(0, rel.indexOf('/'))) : 0;
            i++;
        }
        return new ImageFolderDataset(dir, options, 0, classNames, classFolders, files, captions, labels);
    }

    /** The same files and options whose random crops and flips are those of {@code newEpoch}. */
    public ImageFolderDataset withEpoch(long newEpoch) {
        return new ImageFolderDataset(root, options, newEpoch, classNames, classFolders, files, captions, labels);
    }

    @Override
    public Example get(long index) {
        checkIndex(index);
        int i = (int) index;
        RgbImage image;
        try {
            image = Images.readImage(files[i]);
        } catch (IOException e) {
            throw new UncheckedIOException("example " + index + " of " + root + ": " + e.getMessage(), e);
        }
        int s = options.size();
        int h = image.height();
        int w = image.width();
        if (Math.min(h, w) < s && !options.upscale()) {
            throw new IllegalStateException("image " + files[i] + ": expected a shorter side of at least " + s
                    + " pixels, found " + h + "x" + w + " (enlarge small images with ImageFolderOptions.withUpscale"
                    + "(true), or remove the file)");
        }
        // shorter side to s, aspect ratio kept
        int rh = h <= w ? s : Math.max(s, (int) Math.round((double) h * s / w));
        int rw = h <= w ? Math.max(s, (int) Math.round((double) w * s / h)) : s;
        image = image.resize(rh, rw, options.resize());
        Rng r = rng.fork(index).fork(epoch);
        long dy = r.nextLong(rh - s + 1L);
        long dx = r.nextLong(rw - s + 1L);
        boolean mirror = r.nextDouble() < 0.5;
        if (options.crop() == ImageFolderOptions.Crop.CENTER) {
            dy = (rh - s) / 2;
            dx = (rw - s) / 2;
        }
        image = image.crop((int) dy, (int) dx, s, s);
        if (options.flip() && mirror) {
            image = image.flipHorizontal();
        }
        return new Example(image.chw(), s, s, labels[i], caption(i), List.of());
    }

    private String caption(int i) {
        if (captions[i] == null) {
            return classFolders ? classNames.get(labels[i]) : "";
        }
        try {
            return Files.readString(captions[i], StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read caption " + captions[i] + ": expected UTF-8 text (" + e
                    + ")", e);
        }
    }

    /** The image file of example {@code index}. */
    public Path file(long index) {
        checkIndex(index);
        return files[(int) index];
    }

    /** The class label of example {@code index}, without reading the image. */
    public int label(long index) {
        checkIndex(index);
        return labels[(int) index];
    }

    /** The folder that was indexed, absolute and normalised. */
    public Path root() {
        return root;
    }

    public ImageFolderOptions options() {
        return options;
    }

    /** The epoch whose random crops and flips {@link #get} gives (0 unless set with {@link #withEpoch}). */
    public long epoch() {
        return epoch;
    }

    /** The class names, in label order. */
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public long size() {
        return files.length;
    }

    @Override
    public int height() {
        return options.size();
    }

    @Override
    public int width() {
        return options.size();
    }

    @Override
    public int numClasses() {
        return classNames.size();
    }

    @Override
    public String className(int label) {
        Objects.checkIndex(label, classNames.size());
        return classNames.get(label);
    }

    @Override
    public String toString() {
        return "ImageFolderDataset[root=" + root + ", " + files.length + " images, classes=" + classNames
                + ", " + options + ", epoch=" + epoch + "]";
    }

    private static boolean isHidden(Path rel) {
        for (Path part : rel) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static String slashed(Path rel) {
        StringBuilder s = new StringBuilder();
        for (Path part : rel) {
            if (s.length() > 0) {
                s.append('/');
            }
            s.append(part);
        }
        return s.toString();
    }

    private static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 || dot < name.lastIndexOf('/') ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static String folderName(Path dir) {
        Path name = dir.getFileName();
        return name == null ? "images" : name.toString();
    }
}
