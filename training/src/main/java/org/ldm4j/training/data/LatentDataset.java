package org.ldm4j.training.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.SafeTensorsReader;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * The latents of a {@link LatentCache} file in memory, with random access to each one's label, caption and
 * layout, and batches for diffusion training. Index {@code i} is example {@code i} of the source dataset, so a
 * {@link DataLoader} over that dataset can choose the indices ({@code latents.batch(loader.nextIndices())}).
 * Immutable and safe to share between threads.
 *
 * <pre>{@code
 * LatentDataset latents = LatentDataset.open(Path.of("cache/fmnist-train.safetensors"));
 * double scale = 1 / latents.std();               // the LDM's scale factor, as the paper chooses it
 * LatentBatch b = latents.random(32, rng);        // latents [32, C, h, w], labels [32], captions
 * LatentExample e = latents.get(0);               // e.caption(): "Ankle boot"
 * }</pre>
 */
public final class LatentDataset {
    static final String LATENTS = "latents";
    static final String LABELS = "labels";

    private final Path file;
    private final LatentCache.Source source;
    private final List<String> classNames;
    private final float[] latents;        // (N, C, h, w)
    private final long[] labels;
    private final List<String> captions;
    private final List<List<Box>> layouts;
    private final int channels;
    private final int height;
    private final int width;

    LatentDataset(Path file, LatentCache.Source source, List<String> classNames, float[] latents, long[] labels,
            List<String> captions, List<List<Box>> layouts) {
        this.file = file;
        this.source = source;
        this.classNames = List.copyOf(classNames);
        this.latents = latents;
        this.labels = labels;
        this.captions = List.copyOf(captions);
        this.layouts = layouts.stream().map(List::copyOf).toList();
        long[] zs = source.latentShape();
        this.channels = (int) zs[0];
        this.height = (int) zs[1];
        this.width = (int) zs[2];
    }

    /**
     * Reads a latent cache file written by {@link LatentCache#build}, without checking it against a dataset
     * ({@link LatentCache#open} does).
     *
     * @throws NoSuchFileException if there is no such file
     * @throws IOException if it is not a safetensors file, not a latent cache, or its parts disagree
     */
    public static LatentDataset open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file: expected a latent cache (build one "
                    + "with LatentCache.build)");
        }
        try (SafeTensorsReader r = SafeTensors.open(file)) {
            Map<String, String> meta = r.metadata();
            LatentCache.Source source = readSource(file, meta);
            int n = (int) source.size();
            long[] zs = source.latentShape();
            long[] latentShape = {n, zs[0], zs[1], zs[2]};
            checkTensor(file, r, LATENTS, DType.FLOAT32, latentShape);
            checkTensor(file, r, LABELS, DType.INT64, new long[] {n});
            float[] latents = r.get(LATENTS).toFloatArray();
            long[] labels = r.get(LABELS).toLongArray();
            List<String> classNames = strings(file, meta, "class_names", source.numClasses());
            for (int i = 0; i < n; i++) {
                if (labels[i] < 0 || labels[i] >= source.numClasses()) {
                    throw new IOException(file + ": label " + i + " is " + labels[i] + ", expected a class in [0, "
                            + source.numClasses() + ")");
                }
            }
            List<String> captions = strings(file, meta, "captions", n);
            List<?> rawLayouts = array(file, meta, "layouts", n);
            List<List<Box>> layouts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                layouts.add(boxes(file, i, rawLayouts.get(i)));
            }
            return new LatentDataset(file.toAbsolutePath(), source, classNames, latents, labels, captions, layouts);
        }
    }

    /** The cached example {@code index}. */
    public LatentExample get(long index) {
        int i = checkIndex(index);
        int per = channels * height * width;
        float[] z = new float[per];
        System.arraycopy(latents, i * per, z, 0, per);
        return new LatentExample(index, z, channels, height, width, (int) labels[i], captions.get(i),
                layouts.get(i));
    }

    /** The examples at {@code indices}, in that order (repeats allowed). */
    public LatentBatch batch(long... indices) {
        int b = indices.length;
        if (b == 0) {
            throw new IllegalArgumentException("indices: expected at least one index, got none");
        }
        int per = channels * height * width;
        if ((long) per * b > LatentCache.MAX_VALUES) {
            throw new IllegalArgumentException("indices: a batch of " + b + " latents of " + per
                    + " values is too large for one array; use smaller batches");
        }
        float[] z = new float[per * b];
        long[] y = new long[b];
        List<String> caps = new ArrayList<>(b);
        List<List<Box>> lays = new ArrayList<>(b);
        for (int k = 0; k < b; k++) {
            int i = checkIndex(indices[k]);
            System.arraycopy(latents, i * per, z, k * per, per);
            y[k] = labels[i];
            caps.add(captions.get(i));
            lays.add(layouts.get(i));
        }
        return new LatentBatch(Tensor.of(z, b, channels, height, width), Tensor.of(y, b), caps, lays, indices);
    }

    /** Examples {@code start, ..., start + count - 1}. */
    public LatentBatch range(long start, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count: expected a positive batch size, got " + count);
        }
        if (start < 0 || start > size() - count) {
            throw new IndexOutOfBoundsException("range: expected [start, start + count) inside [0, " + size()
                    + "), got start " + start + ", count " + count);
        }
        long[] idx = new long[count];
        for (int k = 0; k < count; k++) {
            idx[k] = start + k;
        }
        return batch(idx);
    }

    /** {@code batchSize} indices drawn uniformly, with replacement, with {@code rng}. */
    public LatentBatch random(int batchSize, Rng rng) {
        Objects.requireNonNull(rng, "rng");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: expected a positive batch size, got " + batchSize);
        }
        long[] idx = new long[batchSize];
        for (int k = 0; k < batchSize; k++) {
            idx[k] = rng.nextLong(size());
        }
        return batch(idx);
    }

    /** The standard deviation of all cached latent values (population), e.g. for the scale factor 1 / std. */
    public double std() {
        double mean = 0;
        for (float v : latents) {
            mean += v;
        }
        mean /= latents.length;
        double ss = 0;
        for (float v : latents) {
            ss += (v - mean) * (v - mean);
        }
        return Math.sqrt(ss / latents.length);
    }

    /** The class label of example {@code index}. */
    public int label(long index) {
        return (int) labels[checkIndex(index)];
    }

    /** The caption of example {@code index}. */
    public String caption(long index) {
        return captions.get(checkIndex(index));
    }

    /** The number of cached examples. */
    public long size() {
        return labels.length;
    }

    /** Latent channels C. */
    public int channels() {
        return channels;
    }

    /** Latent height h (image height / f). */
    public int height() {
        return height;
    }

    /** Latent width w (image width / f). */
    public int width() {
        return width;
    }

    public int numClasses() {
        return classNames.size();
    }

    public String className(int label) {
        return classNames.get(Objects.checkIndex(label, classNames.size()));
    }

    /** The class names, in label order. */
    public List<String> classNames() {
        return classNames;
    }

    /** What the cache was built from. */
    public LatentCache.Source source() {
        return source;
    }

    /** The cache file, absolute. */
    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "LatentDataset[" + file + ", " + size() + " latents of " + channels + "x" + height + "x" + width
                + ", from " + source.dataset() + "]";
    }

    private int checkIndex(long index) {
        if (index < 0 || index >= labels.length) {
            throw new IndexOutOfBoundsException("index: expected an index in [0, " + labels.length + "), got "
                    + index);
        }
        return (int) index;
    }

    // ---------------------------------------------------------------- reading the metadata

    /** The source recorded in a file's metadata, after checking its format and version. */
    static LatentCache.Source readSource(Path file, Map<String, String> meta) throws IOException {
        String format = meta.get("format");
        if (!LatentCache.FORMAT.equals(format)) {
            throw new IOException(file + ": not a latent cache: expected metadata format = " + LatentCache.FORMAT
                    + ", found " + (format == null ? "none" : format) + " (refusing to read or overwrite it)");
        }
        String version = meta.get("version");
        if (!Integer.toString(LatentCache.VERSION).equals(version)) {
            throw new IOException(file + ": expected latent cache version " + LatentCache.VERSION + ", found "
                    + version + " (rebuild the cache)");
        }
        if (!(parse(file, meta, "source") instanceof Map<?, ?> m)) {
            throw new IOException(file + ": metadata source: expected a JSON object");
        }
        try {
            return new LatentCache.Source(text(file, m, "dataset"), number(file, m, "size"),
                    (int) number(file, m, "height"), (int) number(file, m, "width"),
                    (int) number(file, m, "num_classes"),
                    (int) number(file, m, "latent_channels"), (int) number(file, m, "downsampling_factor"),
                    text(file, m, "codec"));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": metadata source: " + e.getMessage(), e);
        }
    }

    private static Object parse(Path file, Map<String, String> meta, String key) throws IOException {
        String json = meta.get(key);
        if (json == null) {
            throw new IOException(file + ": expected the metadata entry " + key + " of a latent cache, found none");
        }
        try {
            return Json.parse(json);
        } catch (Json.ParseException e) {
            throw new IOException(file + ": metadata " + key + ": expected JSON, " + e.getMessage(), e);
        }
    }

    private static List<?> array(Path file, Map<String, String> meta, String key, int length) throws IOException {
        if (!(parse(file, meta, key) instanceof List<?> list) || list.size() != length) {
            throw new IOException(file + ": metadata " + key + ": expected a JSON array of " + length + " entries");
        }
        return list;
    }

    private static List<String> strings(Path file, Map<String, String> meta, String key, int length)
            throws IOException {
        List<String> out = new ArrayList<>(length);
        for (Object o : array(file, meta, key, length)) {
            if (!(o instanceof String s)) {
                throw new IOException(file + ": metadata " + key + ": expected strings, found " + o);
            }
            out.add(s);
        }
        return out;
    }

    private static List<Box> boxes(Path file, int index, Object o) throws IOException {
        if (!(o instanceof List<?> list)) {
            throw new IOException(file + ": layout " + index + ": expected an array of boxes, found " + o);
        }
        List<Box> out = new ArrayList<>(list.size());
        for (Object b : list) {
            if (!(b instanceof List<?> v) || v.size() != 5 || !v.stream().allMatch(Number.class::isInstance)) {
                throw new IOException(file + ": layout " + index + ": expected boxes [classId, x0, y0, x1, y1], found "
                        + b);
            }
            try {
                out.add(new Box(((Number) v.get(0)).intValue(), decimal(v.get(1)), decimal(v.get(2)), decimal(v.get(3)),
                        decimal(v.get(4))));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": layout " + index + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static double decimal(Object n) {
        return ((Number) n).doubleValue();      // Long or BigDecimal
    }

    private static String text(Path file, Map<?, ?> m, String key) throws IOException {
        if (!(m.get(key) instanceof String s)) {
            throw new IOException(file + ": metadata source: expected a string " + key + ", found " + m.get(key));
        }
        return s;
    }

    private static long number(Path file, Map<?, ?> m, String key) throws IOException {
        if (!(m.get(key) instanceof Long v)) {
            throw new IOException(file + ": metadata source: expected an integer " + key + ", found " + m.get(key));
        }
        return v;
    }

    private static void checkTensor(Path file, SafeTensorsReader r, String name, DType dtype, long[] shape)
            throws IOException {
        if (!r.contains(name)) {
            throw new IOException(file + ": expected a tensor '" + name + "' in a latent cache, found " + r.names());
        }
        if (r.dtype(name) != dtype || !Shapes.equal(r.shape(name), shape)) {
            throw new IOException(file + ": tensor '" + name + "': expected " + dtype + " " + Shapes.str(shape)
                    + ", found " + r.dtype(name) + " " + Shapes.str(r.shape(name)));
        }
    }
}
