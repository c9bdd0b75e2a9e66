package org.ldm4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.tensor.DType;

/**
 * Files over 4 GB: a sparse file (a hole of 4.5 GB, so it takes almost no disk) whose first tensor is huge and
 * whose last one lies beyond every 32-bit offset. Listing must not touch the data, and the tail tensor must be
 * mapped at its 64-bit position.
 */
class SafeTensorsLargeFileTest {
    private static final long BIG = 4_500_000_000L;

    @TempDir
    Path dir;

    @Test
    void aTensorBeyondFourGigabytesIsListedAndLoaded() throws IOException {
        String json = "{" + Crafted.entry("big", "U8", "[" + BIG + "]", 0, BIG) + ","
                + Crafted.entry("tail", "F64", "[2]", BIG, BIG + 16) + "}";
        byte[] header = Crafted.padded(json);
        Path f = dir.resolve("sparse.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(header);
            raf.seek(header.length + BIG);
            raf.write(Crafted.f64(-1.25, 6.0e23));
            assertEquals(header.length + BIG + 16, raf.length());
        }
        try (SafeTensorsReader r = SafeTensors.open(f)) {
            assertEquals(2, r.size());
            assertArrayEquals(new long[] {BIG}, r.shape("big"));
            assertEquals(DType.UINT8, r.dtype("big"));
            assertEquals(BIG, r.info("tail").begin());
            assertArrayEquals(new double[] {-1.25, 6.0e23}, r.get("tail").toDoubleArray());
        }
    }
}
