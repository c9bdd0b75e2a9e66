package org.ldm4j.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.autoencoder.AutoencoderConfig;
import org.ldm4j.autoencoder.AutoencoderKL;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.ldm4j.diffusion.LatentCodec;
import org.ldm4j.training.models.FirstStageCodec;

class LatentCacheTest {
    @TempDir
    Path dir;

    /** Shapes with two objects each, so that layouts have several boxes; 16x16, 10 examples. */
    static final Dataset SHAPES = new ShapesDataset(ShapesConfig.of(16).withShapes(1, 2), 4).limit(10);

    /**
     * A deterministic stand-in for a first stage: encode is a 2x2 average pool (3 channels, factor 2), decode
     * repeats each value over 2x2. It records every batch size and whether it ran without a graph, in a scope.
     */
    static class AvgPoolCodec implements LatentCodec {
        final List<Integer> batches = new ArrayList<>();
        boolean sawGrad;
        boolean sawNoScope;

        @Override
        public Tensor encode(Tensor images) {
            batches.add((int) images.size(0));
            sawGrad |= GradMode.isEnabled();
            sawNoScope |= !MemoryScope.isOpen();
            long[] s = images.shape();
            return Tensor.of(pool(images.toFloatArray(), (int) s[0], (int) s[1], (int) s[2], (int) s[3]),
                    s[0], s[1], s[2] / 2, s[3] / 2);
        }

        static float[] pool(float[] x, int b, int c, int h, int w) {
            float[] out = new float[b * c * (h / 2) * (w / 2)];
            for (int p = 0; p < b * c; p++) {
                for (int y = 0; y < h / 2; y++) {
                    for (int q = 0; q < w / 2; q++) {
                        int at = (p * h + 2 * y) * w + 2 * q;
                        out[(p * (h / 2) + y) * (w / 2) + q] = (x[at] + x[at + 1] + x[at + w] + x[at + w + 1]) / 4;
                    }
                }
            }
            return out;
        }

        @Override
        public Tensor decode(Tensor latents) {
            throw new UnsupportedOperationException("not needed to cache latents");
        }

        @Override
        public int latentChannels() {
            return 3;
        }

        @Override
        public int downsamplingFactor() {
            return 2;
        }
    }

    @Test
    void theCacheHoldsTheCodecsLatentsWithLabelsCaptionsAndLayouts() throws IOException {
        AvgPoolCodec codec = new AvgPoolCodec();
        Path file = dir.resolve("sub/shapes.safetensors");
        List<long[]> progress = new ArrayList<>();
        LatentDataset built = LatentCache.of(SHAPES, codec).withBatchSize(4)
                .build(file, (done, total) -> progress.add(new long[] {done, total}));
        assertEquals(List.of(4, 4, 2), codec.batches);
        assertFalse(codec.sawGrad, "encode runs under GradMode.disabled()");
        assertFalse(codec.sawNoScope, "encode runs inside a MemoryScope");
        assertEquals(3, progress.size());
        assertArrayEquals(new long[] {4, 10}, progress.get(0));
        assertArrayEquals(new long[] {8, 10}, progress.get(1));
        assertArrayEquals(new long[] {10, 10}, progress.get(2));
        assertTrue(Files.isRegularFile(file));

        LatentDataset read = LatentDataset.open(file);
        for (LatentDataset d : List.of(built, read)) {
            assertEquals(10, d.size());
            assertEquals(3, d.channels());
            assertEquals(8, d.height());
            assertEquals(8, d.width());
            assertEquals(SHAPES.numClasses(), d.numClasses());
            assertEquals(SHAPES.className(2), d.className(2));
            for (int i = 0; i < 10; i++) {
                Example e = SHAPES.get(i);
                LatentExample z = d.get(i);
                assertArrayEquals(AvgPoolCodec.pool(e.pixels(), 1, 3, 16, 16), z.latent(), "latent " + i);
                assertEquals(i, z.index());
                assertEquals(e.label(), z.label());
                assertEquals(e.label(), d.label(i));
                assertEquals(e.caption(), z.caption());
                assertEquals(e.caption(), d.caption(i));
                assertEquals(e.layout(), z.layout(), "boxes survive the JSON round trip exactly");
            }
        }
        assertEquals(file.toAbsolutePath(), read.file());
        assertEquals(built.source(), read.source());
        assertTrue(SHAPES.get(3).layout().size() + SHAPES.get(4).layout().size() > 2, "some layouts hold two boxes");

        // the file itself: float32 latents [N, C, h, w], int64 labels, JSON metadata
        StateDict sd = SafeTensors.read(file);
        assertArrayEquals(new long[] {10, 3, 8, 8}, sd.get("latents").shape());
        assertEquals(DType.FLOAT32, sd.get("latents").dtype());
        assertEquals(DType.INT64, sd.get("labels").dtype());
        assertEquals(LatentCache.FORMAT, sd.metadata().get("format"));
        assertTrue(sd.metadata().get("source").contains("\"size\":10"), sd.metadata().get("source"));
        assertTrue(sd.metadata().get("captions").contains(SHAPES.get(0).caption()));
    }

    @Test
    void batchesGatherLatentsLabelsAndCaptions() throws IOException {
        LatentDataset d = LatentCache.of(SHAPES, new AvgPoolCodec()).build(dir.resolve("c.safetensors"));
        LatentBatch b = d.batch(7, 2, 7);
        assertArrayEquals(new long[] {3, 3, 8, 8}, b.latents().shape());
        assertEquals(DType.FLOAT32, b.latents().dtype());
        assertArrayEquals(new long[] {3}, b.labels().shape());
        assertEquals(DType.INT64, b.labels().dtype());
        assertArrayEquals(new long[] {7, 2, 7}, b.indices());
        assertEquals(3, b.size());
        float[] all = b.latents().toFloatArray();
        long[] labels = b.labels().toLongArray();
        int per = 3 * 8 * 8;
        long[] idx = {7, 2, 7};
        for (int k = 0; k < 3; k++) {
            LatentExample e = d.get(idx[k]);
            assertArrayEquals(e.latent(), Arrays.copyOfRange(all, k * per, (k + 1) * per));
            assertEquals(e.label(), labels[k]);
            assertEquals(e.caption(), b.captions().get(k));
            assertEquals(e.layout(), b.layouts().get(k));
        }
        assertEquals(d.get(2).toTensor().maxAbsDiff(b.latents().slice(0, 1, 2).reshape(3, 8, 8)), 0.0);

        LatentBatch r = d.range(8, 2);
        assertArrayEquals(new long[] {8, 9}, r.indices());
        LatentBatch x = d.random(6, new Rng(3));
        LatentBatch y = d.random(6, new Rng(3));
        assertArrayEquals(x.indices(), y.indices());
        assertEquals(0, x.latents().maxAbsDiff(y.latents()));
        for (long i : x.indices()) {
            assertTrue(i >= 0 && i < 10);
        }

        // DataLoader indices over the source dataset address the cache directly
        DataLoader loader = DataLoader.shuffled(SHAPES, 4, new Rng(1));
        long[] next = loader.nextIndices();
        assertEquals(d.batch(next).captions(), Batches.of(SHAPES, next).captions());

        assertThrows(IndexOutOfBoundsException.class, () -> d.get(10));
        assertThrows(IndexOutOfBoundsException.class, () -> d.batch(0, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> d.range(9, 2));
        assertThrows(IllegalArgumentException.class, () -> d.batch());
        assertThrows(IllegalArgumentException.class, () -> d.random(0, new Rng(0)));
    }

    @Test
    void stdIsThePopulationStandardDeviationOfAllLatents() throws IOException {
        LatentDataset d = LatentCache.of(SHAPES, new AvgPoolCodec()).build(dir.resolve("c.safetensors"));
        float[] all = d.range(0, 10).latents().toFloatArray();
        double mean = 0;
        for (float v : all) {
            mean += v;
        }
        mean /= all.length;
        double ss = 0;
        for (float v : all) {
            ss += (v - mean) * (v - mean);
        }
        assertEquals(Math.sqrt(ss / all.length), d.std(), 1e-12);
        assertTrue(d.std() > 0);
    }

    @Test
    void aStaleCacheIsDetectedAndRebuilt() throws IOException {
        Path file = dir.resolve("c.safetensors");
        AvgPoolCodec codec = new AvgPoolCodec();
        LatentCache cache = LatentCache.of(SHAPES, codec).withCodecName("pool v1");
        assertFalse(cache.isCurrent(file), "no file yet");
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> cache.open(file));
        assertTrue(missing.getMessage().contains(file.toString()), missing.getMessage());

        int[] calls = {0};
        cache.openOrBuild(file, (done, total) -> calls[0]++);
        assertEquals(1, calls[0], "built once: one batch of 10");
        assertTrue(cache.isCurrent(file));
        LatentDataset again = cache.openOrBuild(file, (done, total) -> calls[0]++);
        assertEquals(1, calls[0], "a current cache is opened, not rebuilt");
        assertEquals(1, codec.batches.size(), "and the codec is not run again");
        assertEquals(10, again.size());

        LatentCache fewer = LatentCache.of(SHAPES.limit(9), codec).withCodecName("pool v1");
        assertFalse(fewer.isCurrent(file));
        IllegalStateException stale = assertThrows(IllegalStateException.class, () -> fewer.open(file));
        assertTrue(stale.getMessage().contains("stale latent cache " + file)
                && stale.getMessage().contains("size: cached 10, expected 9")
                && stale.getMessage().contains("dataset: cached"), stale.getMessage());

        LatentCache newWeights = cache.withCodecName("pool v2");
        IllegalStateException s2 = assertThrows(IllegalStateException.class, () -> newWeights.open(file));
        assertTrue(s2.getMessage().contains("codec: cached pool v1, expected pool v2"), s2.getMessage());
        LatentDataset rebuilt = newWeights.openOrBuild(file, (done, total) -> calls[0]++);
        assertEquals(2, calls[0], "a stale cache is rebuilt");
        assertEquals("pool v2", rebuilt.source().codec());
        assertTrue(newWeights.isCurrent(file));
        assertFalse(cache.isCurrent(file));

        Dataset otherSeed = new ShapesDataset(ShapesConfig.of(16).withShapes(1, 2), 5).limit(10);
        List<String> diff = LatentCache.of(otherSeed, codec).source().differences(rebuilt.source());
        assertEquals(2, diff.size(), diff.toString());       // dataset (its seed) and codec name
    }

    @Test
    void aFileThatIsNoLatentCacheIsNeverOverwritten() throws IOException {
        Path file = dir.resolve("weights.safetensors");
        SafeTensors.write(file, Map.of("w", Tensor.of(new float[] {1, 2}, 2)), Map.of("step", "3"));
        byte[] before = Files.readAllBytes(file);
        LatentCache cache = LatentCache.of(SHAPES, new AvgPoolCodec());
        IOException e = assertThrows(IOException.class, () -> cache.openOrBuild(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("not a latent cache"),
                e.getMessage());
        IOException b = assertThrows(IOException.class, () -> cache.build(file));
        assertTrue(b.getMessage().contains("refusing to overwrite"), b.getMessage());
        Path text = Files.writeString(dir.resolve("notes.safetensors"), "my notes");
        IOException t = assertThrows(IOException.class, () -> cache.build(text));
        assertTrue(t.getMessage().contains(text.toString()) && t.getMessage().contains("refusing to overwrite"),
                t.getMessage());
        assertEquals("my notes", Files.readString(text));
        assertArrayEquals(before, Files.readAllBytes(file));
        assertThrows(IOException.class, () -> LatentDataset.open(file));
    }

    @Test
    void malformedCachesAreReported() throws IOException {
        Path file = dir.resolve("c.safetensors");
        LatentCache.of(SHAPES, new AvgPoolCodec()).build(file);
        StateDict sd = SafeTensors.read(file);
        Map<String, String> meta = new java.util.LinkedHashMap<>(sd.metadata());
        meta.put("captions", "[\"only one\"]");
        Path fewCaptions = dir.resolve("few.safetensors");
        sd.withMetadata(meta).write(fewCaptions);
        IOException e = assertThrows(IOException.class, () -> LatentDataset.open(fewCaptions));
        assertTrue(e.getMessage().contains("captions") && e.getMessage().contains("10 entries"), e.getMessage());

        Map<String, String> v2 = new java.util.LinkedHashMap<>(sd.metadata());
        v2.put("version", "2");
        Path newer = dir.resolve("v2.safetensors");
        sd.withMetadata(v2).write(newer);
        IOException v = assertThrows(IOException.class, () -> LatentDataset.open(newer));
        assertTrue(v.getMessage().contains("version 1") && v.getMessage().contains("found 2"), v.getMessage());

        Map<String, Tensor> tensors = new java.util.LinkedHashMap<>(sd.tensors());
        tensors.put("labels", Tensor.of(new long[9], 9));
        Path shortLabels = dir.resolve("labels.safetensors");
        new StateDict(tensors, sd.metadata()).write(shortLabels);
        IOException l = assertThrows(IOException.class, () -> LatentDataset.open(shortLabels));
        assertTrue(l.getMessage().contains("'labels'") && l.getMessage().contains("[10]")
                && l.getMessage().contains("[9]"), l.getMessage());
    }

    @Test
    void unusableDatasetsAndCodecsAreRefused() {
        AvgPoolCodec codec = new AvgPoolCodec();
        IllegalArgumentException unbounded = assertThrows(IllegalArgumentException.class,
                () -> LatentCache.of(new ShapesDataset(ShapesConfig.of(16), 1), codec));
        assertTrue(unbounded.getMessage().contains("unbounded") && unbounded.getMessage().contains("limit(n)"),
                unbounded.getMessage());
        LatentCodec f8 = new AvgPoolCodec() {
            @Override
            public int downsamplingFactor() {
                return 8;
            }
        };
        Dataset s20 = new ShapesDataset(ShapesConfig.of(20), 1).limit(2);
        IllegalArgumentException indivisible = assertThrows(IllegalArgumentException.class,
                () -> LatentCache.of(s20, f8));
        assertTrue(indivisible.getMessage().contains("divisible by the codec's factor 8")
                && indivisible.getMessage().contains("20x20"), indivisible.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LatentCache.of(SHAPES, codec).withBatchSize(0));
    }

    @Test
    void aCodecThatMisbehavesStopsTheBuildAndWritesNothing() {
        Path file = dir.resolve("bad.safetensors");
        LatentCodec wrongShape = new AvgPoolCodec() {
            @Override
            public int latentChannels() {
                return 4;        // but encode gives 3
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LatentCache.of(SHAPES, wrongShape).build(file));
        assertTrue(e.getMessage().contains("expected latents [10, 4, 8, 8]")
                && e.getMessage().contains("got [10, 3, 8, 8]"), e.getMessage());
        LatentCodec nan = new AvgPoolCodec() {
            @Override
            public Tensor encode(Tensor images) {
                float[] v = AvgPoolCodec.pool(images.toFloatArray(), (int) images.size(0), 3, 16, 16);
                v[v.length - 1] = Float.NaN;
                return Tensor.of(v, images.size(0), 3, 8, 8);
            }
        };
        IllegalStateException n = assertThrows(IllegalStateException.class,
                () -> LatentCache.of(SHAPES, nan).withBatchSize(4).build(file));
        assertTrue(n.getMessage().contains("NaN") && n.getMessage().contains("example 3"), n.getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void aRealAutoencoderKlGivesTheLatentsOfDirectEncoding() throws IOException {
        AutoencoderConfig tiny = new AutoencoderConfig(32, List.of(1, 2), 1, List.of(), 4, true, 0.0, 16, 3, 3, 4, 0);
        AutoencoderKL vae = new AutoencoderKL(tiny, new Rng(0));
        FirstStageCodec codec = new FirstStageCodec(vae);
        Dataset data = SHAPES.limit(5);
        LatentDataset cached = LatentCache.of(data, codec).withBatchSize(2).withCodecName("tiny kl seed 0")
                .build(dir.resolve("vae.safetensors"));
        assertEquals(4, cached.channels());
        assertEquals(8, cached.height());
        float[] direct;
        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
            direct = vae.encodeToLatent(Batches.range(data, 0, 5).images()).toFloatArray();   // one batch of 5
        }
        float[] fromCache = cached.range(0, 5).latents().toFloatArray();
        assertEquals(direct.length, fromCache.length);
        for (int i = 0; i < direct.length; i++) {
            assertEquals(direct[i], fromCache[i], 1e-5, "value " + i);
        }
        LatentDataset reread = LatentDataset.open(dir.resolve("vae.safetensors"));
        assertArrayEquals(fromCache, reread.range(0, 5).latents().toFloatArray());
        assertEquals("tiny kl seed 0", reread.source().codec());
        assertEquals(2, reread.source().downsamplingFactor());
    }
}
