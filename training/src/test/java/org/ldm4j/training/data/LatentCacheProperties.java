package org.ldm4j.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.ldm4j.core.random.Rng;

class LatentCacheProperties {

    /** A dataset held in memory: random pixels, the given captions, a random layout per example. */
    record ListDataset(List<Example> examples, int side, int numClasses) implements Dataset {
        static ListDataset random(List<String> captions, int side, long seed) {
            Rng rng = new Rng(seed);
            List<Example> out = new ArrayList<>();
            for (String caption : captions) {
                float[] px = new float[3 * side * side];
                for (int i = 0; i < px.length; i++) {
                    px[i] = (float) (2 * rng.nextDouble() - 1);
                }
                List<Box> layout = new ArrayList<>();
                for (int b = (int) rng.nextLong(3); b > 0; b--) {
                    double x0 = rng.nextDouble();
                    double y0 = rng.nextDouble();
                    layout.add(new Box((int) rng.nextLong(5), x0, y0, x0 + (1 - x0) * rng.nextDouble(),
                            y0 + (1 - y0) * rng.nextDouble()));
                }
                out.add(new Example(px, side, side, (int) rng.nextLong(5), caption, layout));
            }
            return new ListDataset(List.copyOf(out), side, 5);
        }

        @Override
        public Example get(long index) {
            checkIndex(index);
            return examples.get((int) index);
        }

        @Override
        public long size() {
            return examples.size();
        }

        @Override
        public int height() {
            return side;
        }

        @Override
        public int width() {
            return side;
        }

        @Override
        public String className(int label) {
            return "class \"" + label + "\" \u00e9";
        }

        @Override
        public String toString() {
            return "ListDataset[" + examples.size() + " examples of " + side + "x" + side + "]";
        }
    }

    @Property(tries = 20)
    void anyCaptionsLayoutsAndLatentsSurviveTheFile(
            @ForAll @Size(min = 1, max = 7) List<@StringLength(max = 40) String> captions,
            @ForAll @IntRange(min = 1, max = 3) int halfSide, @ForAll @IntRange(min = 1, max = 5) int batchSize,
            @ForAll long seed) throws IOException {
        ListDataset data = ListDataset.random(captions, 2 * halfSide, seed);
        Path dir = Files.createTempDirectory("latent-prop");
        Path file = dir.resolve("cache.safetensors");
        try {
            LatentCacheTest.AvgPoolCodec codec = new LatentCacheTest.AvgPoolCodec();
            LatentCache cache = LatentCache.of(data, codec).withBatchSize(batchSize);
            LatentDataset built = cache.build(file);
            LatentDataset read = cache.open(file);
            assertEquals(built.source(), read.source());
            assertEquals(data.size(), read.size());
            for (int c = 0; c < data.numClasses(); c++) {
                assertEquals(data.className(c), read.className(c));
            }
            for (int i = 0; i < data.size(); i++) {
                Example e = data.get(i);
                LatentExample z = read.get(i);
                assertEquals(built.get(i), z);
                assertEquals(e.caption(), z.caption());
                assertEquals(e.layout(), z.layout());
                assertEquals(e.label(), z.label());
                assertArrayEquals(LatentCacheTest.AvgPoolCodec.pool(e.pixels(), 1, 3, 2 * halfSide, 2 * halfSide),
                        z.latent());
            }
        } finally {
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }
}
