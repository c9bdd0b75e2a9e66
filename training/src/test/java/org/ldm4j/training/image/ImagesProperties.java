package org.ldm4j.training.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.Tensor;

class ImagesProperties {

    @Property(tries = 25)
    void everyEightBitImageSurvivesAPngRoundTrip(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int h,
            @ForAll @IntRange(min = 1, max = 40) int w) throws IOException {
        Path dir = Files.createTempDirectory("ldm4j-images");
        try {
            float[] v = ImagesTest.levels(new Rng(seed), 3 * h * w);
            Path file = dir.resolve("p.png");
            Images.write(Tensor.of(v, 3, h, w), file);
            assertArrayEquals(v, Images.read(file).toFloatArray());
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
