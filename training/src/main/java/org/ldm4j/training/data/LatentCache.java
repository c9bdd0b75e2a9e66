package org.ldm4j.training.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.SafeTensorsReader;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.LatentCodec;

/**
 * Encodes a dataset once with a frozen first stage and keeps the latents in one safetensors file, so that a
 * latent diffusion model trains without running the encoder at every step.
 *
 * <p>{@link #build} encodes the dataset in order, {@code batchSize} examples at a time, under
 * {@link GradMode#disabled()} and a {@link MemoryScope} per batch, and reports progress after each batch. The file
 * (written atomically, so it is either absent, old or complete) holds:
 * <ul>
 *   <li>{@code latents}: float32 [N, C, H/f, W/f], the codec's {@code encode} of each example, unscaled (the
 *       LDM's scale factor is applied by the trainer; {@link LatentDataset#std()} helps choose it);</li>
 *   <li>{@code labels}: int64 [N];</li>
 *   <li>metadata: {@code format} ({@value #FORMAT}), {@code version}, {@code source} (a {@link Source} as JSON),
 *       {@code class_names}, {@code captions} and {@code layouts} (JSON arrays, one entry per example; a box is
 *       {@code [classId, x0, y0, x1, y1]}).</li>
 * </ul>
 * {@link #open} refuses a file whose source differs from this cache's (a stale cache: another dataset, size,
 * image size or codec shape, or another codec name), and {@link #openOrBuild} rebuilds it instead. The codec
 * weights themselves are not fingerprinted: name them with {@link #withCodecName} (e.g. the checkpoint and its
 * step) so that new weights make the old cache stale. The codec must be frozen (in eval mode); all latents are
 * held in memory while the file is written (at most {@code 2^31 - 9} values), and the JSON of all captions and
 * layouts must fit in the safetensors header (about 99 MB; a build that outgrows it stops as soon as it does).
 *
 * <pre>{@code
 * LatentCache cache = LatentCache.of(IdxDataset.open(dir, IdxDataset.Split.TRAIN).padTo(32), new FirstStageCodec(vae))
 *         .withBatchSize(64).withCodecName("kl-f4 " + checkpoint.getFileName());
 * LatentDataset latents = cache.openOrBuild(Path.of("cache/fmnist-train.safetensors"),
 *         (done, total) -> System.out.printf("encoded %d/%d%n", done, total));
 * LatentBatch b = latents.random(32, rng);        // latents [32, C, 8, 8], labels [32], captions
 * }</pre>
 */
public final class LatentCache {
    /** The value of the {@code format} metadata entry. */
    public static final String FORMAT = "ldm4j-latent-cache";
    /** The version of the file layout this class writes and reads. */
    public static final int VERSION = 1;
    /** The batch size of {@link #of}. */
    public static final int DEFAULT_BATCH_SIZE = 32;
    static final int MAX_VALUES = Integer.MAX_VALUE - 8;
    /** Room for the captions and layouts in the header, below the readers' limit, leaving 1 MB for the rest. */
    static final long MAX_METADATA_BYTES = SafeTensorsReader.MAX_HEADER_BYTES - 1_000_000;

    /** Receives the progress of {@link #build}: called after every batch; an exception it throws aborts the build. */
    @FunctionalInterface
    public interface Progress {
        /** Ignores progress. */
        Progress NONE = (encoded, total) -> { };

        /** {@code encoded} of {@code total} examples are done. */
        void update(long encoded, long total);
    }

    /**
     * What a cache was built from; two caches of equal sources hold the same latents (given equal codec weights).
     *
     * <pre>{@code
     * LatentCache.Source s = cache.source();
     * s.latentShape();                          // [4, 8, 8] for 32x32 images and an f4 codec of 4 channels
     * }</pre>
     *
     * @param dataset            the dataset's description ({@code toString()}, which names its files and options)
     * @param size               the number of examples
     * @param height             image height
     * @param width              image width
     * @param numClasses         the dataset's number of classes
     * @param latentChannels     the codec's latent channels
     * @param downsamplingFactor the codec's factor f
     * @param codec              the codec's name, given by the user ("" if none)
     */
    public record Source(String dataset, long size, int height, int width, int numClasses, int latentChannels,
                         int downsamplingFactor, String codec) {
        public Source {
            Objects.requireNonNull(dataset, "dataset");
            Objects.requireNonNull(codec, "codec");
            if (size < 1 || height < 1 || width < 1 || numClasses < 1 || latentChannels < 1 || downsamplingFactor < 1) {
                throw new IllegalArgumentException("source: expected positive sizes, got size " + size + ", image "
                        + height + "x" + width + ", " + numClasses + " classes, " + latentChannels
                        + " latent channels, factor " + downsamplingFactor);
            }
        }

        /** The shape of one latent, [C, H/f, W/f]. */
        public long[] latentShape() {
            return new long[] {latentChannels, height / downsamplingFactor, width / downsamplingFactor};
        }

        /** How {@code cached} differs from this (expected) source, per field: "size: cached 10, expected 12". */
        public List<String> differences(Source cached) {
            List<String> out = new ArrayList<>();
            diff(out, "dataset", cached.dataset, dataset);
            diff(out, "size", cached.size, size);
            diff(out, "height", cached.height, height);
            diff(out, "width", cached.width, width);
            diff(out, "numClasses", cached.numClasses, numClasses);
            diff(out, "latentChannels", cached.latentChannels, latentChannels);
            diff(out, "downsamplingFactor", cached.downsamplingFactor, downsamplingFactor);
            diff(out, "codec", cached.codec, codec);
            return out;
        }

        private static void diff(List<String> out, String name, Object cached, Object expected) {
            if (!cached.equals(expected)) {
                out.add(name + ": cached " + cached + ", expected " + expected);
            }
        }

        String toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dataset", dataset);
            m.put("size", size);
            m.put("height", height);
            m.put("width", width);
            m.put("num_classes", numClasses);
            m.put("latent_channels", latentChannels);
            m.put("downsampling_factor", downsamplingFactor);
            m.put("codec", codec);
            return Json.writeCompact(m);
        }
    }

    private final Dataset dataset;
    private final LatentCodec codec;
    private final int batchSize;
    private final String codecName;

    private LatentCache(Dataset dataset, LatentCodec codec, int batchSize, String codecName) {
        this.dataset = dataset;
        this.codec = codec;
        this.batchSize = batchSize;
        this.codecName = codecName;
    }

    /**
     * The cache of {@code dataset} encoded by {@code codec}, {@value #DEFAULT_BATCH_SIZE} examples per batch.
     *
     * @throws IllegalArgumentException if the dataset is unbounded or its image size is not a multiple of the
     *                                  codec's factor
     */
    public static LatentCache of(Dataset dataset, LatentCodec codec) {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(codec, "codec");
        if (dataset.isUnbounded()) {
            throw new IllegalArgumentException("dataset: expected a bounded dataset to cache, got the unbounded "
                    + dataset + " (cache a dataset.limit(n) view)");
        }
        int f = codec.downsamplingFactor();
        if (f < 1 || codec.latentChannels() < 1) {
            throw new IllegalArgumentException("codec: expected positive latent channels and downsampling factor, got "
                    + codec.latentChannels() + " and " + f);
        }
        if (dataset.height() % f != 0 || dataset.width() % f != 0) {
            throw new IllegalArgumentException("dataset: expected an image size divisible by the codec's factor " + f
                    + ", got " + dataset.height() + "x" + dataset.width() + " (pad or resize the images, e.g. "
                    + "IdxDataset.padTo(32))");
        }
        long values;
        try {
            values = Math.multiplyExact(dataset.size(), (long) codec.latentChannels() * (dataset.height() / f)
                    * (dataset.width() / f));
        } catch (ArithmeticException e) {
            values = Long.MAX_VALUE;
        }
        if (values > MAX_VALUES) {
            throw new IllegalArgumentException("dataset: " + dataset.size() + " latents of " + codec.latentChannels()
                    + "x" + dataset.height() / f + "x" + dataset.width() / f + " make " + values + " values, over the "
                    + MAX_VALUES + " one cache holds; cache parts of it (limit(n) views)");
        }
        return new LatentCache(dataset, codec, DEFAULT_BATCH_SIZE, "");
    }

    /** The same cache, encoding {@code size} examples per batch. */
    public LatentCache withBatchSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("batchSize: expected a positive batch size, got " + size);
        }
        return new LatentCache(dataset, codec, size, codecName);
    }

    /** The same cache, recording {@code name} as the codec's identity (its weights file, its training step). */
    public LatentCache withCodecName(String name) {
        return new LatentCache(dataset, codec, batchSize, Objects.requireNonNull(name, "name"));
    }

    /** The source a file must record to be this cache's. */
    public Source source() {
        return new Source(dataset.toString(), dataset.size(), dataset.height(), dataset.width(), dataset.numClasses(),
                codec.latentChannels(), codec.downsamplingFactor(), codecName);
    }

    public int batchSize() {
        return batchSize;
    }

    /** {@link #build(Path, Progress)} without progress reports. */
    public LatentDataset build(Path file) throws IOException {
        return build(file, Progress.NONE);
    }

    /**
     * Encodes the whole dataset and writes {@code file} atomically (its folder is created if needed), replacing
     * an older latent cache there. Returns the cached latents, as {@link LatentDataset#open} would read them back.
     *
     * @throws IOException if {@code file} exists but is not a latent cache (it is never overwritten), or on a write
     *                     error
     * @throws IllegalStateException if the codec returns a latent of the wrong shape, or a value that is not finite
     */
    public LatentDataset build(Path file, Progress progress) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(progress, "progress");
        if (Files.exists(file)) {
            try (SafeTensorsReader r = SafeTensors.open(file)) {
                LatentDataset.readSource(file, r.metadata());      // refuses a file that is no latent cache
            } catch (IOException e) {
                throw new IOException("cannot build a latent cache over " + file + ": it exists and is not one ("
                        + e.getMessage() + "); refusing to overwrite it", e);
            }
        }
        Source source = source();
        long[] zs = source.latentShape();            // (C, h, w)
        int n = (int) dataset.size();
        int per = (int) Shapes.numel(zs);
        float[] latents = new float[n * per];
        long[] labels = new long[n];
        List<String> captions = new ArrayList<>(n);
        List<List<Box>> layouts = new ArrayList<>(n);
        long metaBytes = 0;
        for (int start = 0; start < n; start += batchSize) {
            int count = Math.min(batchSize, n - start);
            try (MemoryScope scope = MemoryScope.open(); GradMode.Scope g = GradMode.disabled()) {
                Batch batch = Batches.range(dataset, start, count);
                Tensor z = codec.encode(batch.images());                 // (B, C, h, w)
                long[] expected = {count, zs[0], zs[1], zs[2]};
                if (!Shapes.equal(z.shape(), expected)) {
                    throw new IllegalStateException("codec: expected latents " + Shapes.str(expected) + " for images "
                            + Shapes.str(batch.images().shape()) + ", got " + Shapes.str(z.shape()));
                }
                float[] v = z.toFloatArray();
                for (int k = 0; k < v.length; k++) {
                    if (!Float.isFinite(v[k])) {
                        throw new IllegalStateException("codec: expected finite latents, got " + v[k] + " for example "
                                + (start + k / per) + " of " + dataset);
                    }
                }
                System.arraycopy(v, 0, latents, start * per, v.length);
                long[] y = batch.labels().toLongArray();
                System.arraycopy(y, 0, labels, start, count);
                captions.addAll(batch.captions());
                layouts.addAll(batch.layouts());
                for (int k = 0; k < count; k++) {
                    metaBytes += Json.writeCompact(batch.captions().get(k)).getBytes(StandardCharsets.UTF_8).length
                            + Json.writeCompact(boxesToJson(batch.layouts().get(k))).length() + 2;
                }
                if (metaBytes > MAX_METADATA_BYTES) {
                    throw new IllegalArgumentException("dataset: the captions and layouts of the first " + (start
                            + count) + " of " + n + " examples already take " + metaBytes + " bytes of JSON, over the "
                            + MAX_METADATA_BYTES + " a safetensors header holds; cache the dataset in parts "
                            + "(limit(n) views)");
                }
            }
            progress.update(start + count, n);
        }
        List<String> classNames = new ArrayList<>(dataset.numClasses());
        for (int c = 0; c < dataset.numClasses(); c++) {
            classNames.add(dataset.className(c));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("version", Integer.toString(VERSION));
        meta.put("source", source.toJson());
        meta.put("class_names", Json.writeCompact(classNames));
        meta.put("captions", Json.writeCompact(captions));
        meta.put("layouts", Json.writeCompact(layouts.stream().map(LatentCache::boxesToJson).toList()));
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        try (MemoryScope scope = MemoryScope.open()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put(LatentDataset.LATENTS, Tensor.of(latents, n, zs[0], zs[1], zs[2]));
            tensors.put(LatentDataset.LABELS, Tensor.of(labels, n));
            SafeTensors.write(target, tensors, meta);
        }
        return new LatentDataset(target, source, classNames, latents, labels, captions, layouts);
    }

    /**
     * Reads {@code file} and checks that it is this cache's.
     *
     * @throws java.nio.file.NoSuchFileException if there is no such file
     * @throws IOException if it is not a latent cache, or is malformed
     * @throws IllegalStateException if it is stale: its source differs from {@link #source()} (the message lists how)
     */
    public LatentDataset open(Path file) throws IOException {
        LatentDataset cached = LatentDataset.open(file);
        List<String> diff = source().differences(cached.source());
        if (!diff.isEmpty()) {
            throw new IllegalStateException("stale latent cache " + file + ": " + String.join("; ", diff)
                    + " (rebuild it with LatentCache.build or openOrBuild)");
        }
        return cached;
    }

    /** {@link #openOrBuild(Path, Progress)} without progress reports. */
    public LatentDataset openOrBuild(Path file) throws IOException {
        return openOrBuild(file, Progress.NONE);
    }

    /**
     * Opens {@code file} if it is this cache's and current, else encodes the dataset and (over)writes it. A file
     * that exists but is not a latent cache at all is never overwritten: that is an {@link IOException}.
     */
    public LatentDataset openOrBuild(Path file, Progress progress) throws IOException {
        return isCurrent(file) ? open(file) : build(file, progress);
    }

    /**
     * Whether {@code file} is a latent cache of this cache's source (reading only its header); false if it does
     * not exist or is stale.
     *
     * @throws IOException if the file exists but is not a latent cache, or cannot be read
     */
    public boolean isCurrent(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.exists(file)) {
            return false;
        }
        try (SafeTensorsReader r = SafeTensors.open(file)) {
            return LatentDataset.readSource(file, r.metadata()).equals(source());
        }
    }

    private static List<List<Object>> boxesToJson(List<Box> boxes) {
        List<List<Object>> out = new ArrayList<>(boxes.size());
        for (Box b : boxes) {
            out.add(List.of(b.classId(), b.x0(), b.y0(), b.x1(), b.y1()));
        }
        return out;
    }

    @Override
    public String toString() {
        return "LatentCache[" + source() + ", batchSize=" + batchSize + "]";
    }
}
