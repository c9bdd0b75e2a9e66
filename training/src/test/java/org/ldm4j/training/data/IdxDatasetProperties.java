package org.ldm4j.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class IdxDatasetProperties {

    @Property(tries = 40)
    void anyImagesAndLabelsRoundTripThroughIdxFiles(@ForAll @IntRange(min = 1, max = 6) int rows,
            @ForAll @IntRange(min = 1, max = 6) int cols, @ForAll @Size(min = 1, max = 5) byte[] labelSeeds,
            @ForAll long pixelSeed, @ForAll boolean gzipped) throws IOException {
        int n = labelSeeds.length;
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) Math.floorMod(labelSeeds[i], 10);
        }
        byte[] px = new byte[n * rows * cols];
        new java.util.Random(pixelSeed).nextBytes(px);
        Path dir = Files.createTempDirectory("idx-prop");
        try {
            byte[] img = IdxDatasetTest.imagesIdx(n, rows, cols, px);
            byte[] lab = IdxDatasetTest.labelsIdx(labels);
            Path images = Files.write(dir.resolve("images"), gzipped ? IdxDatasetTest.gzip(img) : img);
            Path labelFile = Files.write(dir.resolve("labels"), gzipped ? IdxDatasetTest.gzip(lab) : lab);
            IdxDataset d = IdxDataset.open(images, labelFile);
            assertEquals(n, d.size());
            int pad = Math.max(rows, cols) + 3;
            IdxDataset padded = d.padTo(pad);
            int top = (pad - rows) / 2;
            int left = (pad - cols) / 2;
            for (int i = 0; i < n; i++) {
                Example e = d.get(i);
                Example p = padded.get(i);
                assertEquals(labels[i], e.label());
                assertEquals(e.label(), p.label());
                for (int y = 0; y < rows; y++) {
                    for (int x = 0; x < cols; x++) {
                        float v = (float) ((px[(i * rows + y) * cols + x] & 0xff) / 127.5 - 1);
                        assertEquals(v, e.pixel(2, y, x));
                        assertEquals(v, p.pixel(0, top + y, left + x));
                    }
                }
                assertEquals(e, d.get(i), "get is a pure function of the index");
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }
}
