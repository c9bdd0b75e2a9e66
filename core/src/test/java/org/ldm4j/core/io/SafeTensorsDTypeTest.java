package org.ldm4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

/**
 * Every dtype, with values at the edges of its range, against little-endian bytes computed by hand: the writer
 * must produce exactly those bytes, the reader must decode them (from a file built byte by byte), and a write
 * followed by a read must give the values back exactly.
 */
class SafeTensorsDTypeTest {
    @TempDir
    Path dir;

    /** One tensor: how to make it, its exact little-endian bytes, and its values (doubles or longs). */
    record Case(String name, DType dtype, long[] shape, Supplier<Tensor> make, byte[] bytes, double[] floats,
            long[] ints) {
    }

    static final float HALF_MIN_SUBNORMAL = 5.9604644775390625e-8f; // 2^-24
    static final float BF16_MAX = 3.3895313892515355e38f;           // (2 - 2^-7) * 2^127

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        float[] f32 = {0f, -1.5f, Float.MAX_VALUE, Float.MIN_VALUE, -0.0f, Float.NEGATIVE_INFINITY};
        c.add(new Case("f32", DType.FLOAT32, new long[] {2, 3}, () -> Tensor.of(f32, 2, 3), Crafted.f32(f32),
                toDoubles(f32), null));
        double[] f64 = {0.1, -2.5e-300, Double.MAX_VALUE, -Double.MIN_VALUE};
        c.add(new Case("f64", DType.FLOAT64, new long[] {2, 2}, () -> Tensor.of(f64, 2, 2), Crafted.f64(f64), f64,
                null));
        float[] f16 = {1f, -2f, 0.5f, 65504f, -65504f, 6.103515625e-5f, HALF_MIN_SUBNORMAL};
        c.add(new Case("f16", DType.FLOAT16, new long[] {7}, () -> Tensor.of(f16, 7).to(DType.FLOAT16),
                Crafted.u16(0x3C00, 0xC000, 0x3800, 0x7BFF, 0xFBFF, 0x0400, 0x0001), toDoubles(f16), null));
        float[] bf16 = {1f, -2f, 3.140625f, -0.0078125f, BF16_MAX, 0f};
        c.add(new Case("bf16", DType.BFLOAT16, new long[] {3, 2}, () -> Tensor.of(bf16, 3, 2).to(DType.BFLOAT16),
                Crafted.u16(0x3F80, 0xC000, 0x4049, 0xBC00, 0x7F7F, 0x0000), toDoubles(bf16), null));
        long[] i64 = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE};
        c.add(new Case("i64", DType.INT64, new long[] {5}, () -> Tensor.of(i64, 5), Crafted.i64(i64), null, i64));
        int[] i32 = {Integer.MIN_VALUE, -1, 0, 7, Integer.MAX_VALUE, 65536};
        c.add(new Case("i32", DType.INT32, new long[] {2, 1, 3}, () -> Tensor.of(i32, 2, 1, 3), Crafted.i32(i32),
                null, Arrays.stream(i32).asLongStream().toArray()));
        c.add(new Case("u8", DType.UINT8, new long[] {5},
                () -> Tensor.of(new float[] {0, 1, 127, 128, 255}, 5).to(DType.UINT8),
                Crafted.bytes(0, 1, 127, 0x80, 0xFF), null, new long[] {0, 1, 127, 128, 255}));
        c.add(new Case("bool", DType.BOOL, new long[] {2, 2},
                () -> Tensor.of(new float[] {1, 0, 0, 1}, 2, 2).to(DType.BOOL),
                Crafted.bytes(1, 0, 0, 1), new double[] {1, 0, 0, 1}, null));
        return c;
    }

    @Test
    void everyDtypeRoundTripsExactly() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (Case k : cases()) {
            in.put(k.name, k.make.get());
        }
        Path f = dir.resolve("all.safetensors");
        SafeTensors.write(f, in);
        StateDict out = SafeTensors.read(f);
        assertEquals(cases().size(), out.size());
        for (Case k : cases()) {
            assertTensor(k, out.get(k.name));
        }
    }

    @Test
    void writerEmitsTheExactLittleEndianBytes() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (Case k : cases()) {
            in.put(k.name, k.make.get());
        }
        Path f = dir.resolve("bytes.safetensors");
        SafeTensors.write(f, in);
        byte[] file = Files.readAllBytes(f);
        long dataStart;
        List<TensorInfo> infos;
        try (SafeTensorsReader r = SafeTensors.open(f)) {
            infos = r.infos();
            dataStart = file.length - infos.get(infos.size() - 1).end();
        }
        for (Case k : cases()) {
            TensorInfo info = infos.stream().filter(t -> t.name().equals(k.name)).findFirst().orElseThrow();
            byte[] written = Arrays.copyOfRange(file, (int) (dataStart + info.begin()), (int) (dataStart + info.end()));
            assertArrayEquals(k.bytes, written, k.name + ": bytes on disk");
        }
    }

    @Test
    void readerDecodesHandCraftedBytes() throws IOException {
        // entries listed in reverse, data in case order: the reader must go by the offsets alone
        List<Case> cs = cases();
        List<String> entries = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        long offset = 0;
        for (Case k : cs) {
            entries.add(0, Crafted.entry(k.name, k.dtype.safetensorsName(), Arrays.toString(k.shape), offset,
                    offset + k.bytes.length));
            data.add(k.bytes);
            offset += k.bytes.length;
        }
        Path f = Crafted.write(dir, "crafted.safetensors",
                Crafted.padded("{" + String.join(",", entries) + "}", data.toArray(byte[][]::new)));
        try (SafeTensorsReader r = SafeTensors.open(f)) {
            assertEquals(cs.stream().map(Case::name).toList(), r.names(), "names in data order");
            for (Case k : cs) {
                assertEquals(k.dtype, r.dtype(k.name), k.name);
                assertTensor(k, r.get(k.name));
            }
        }
    }

    @Test
    void scalarsAndEmptyTensorsRoundTrip() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("scalar_f32", Tensor.of(new float[] {2.5f}));
        in.put("scalar_i64", Tensor.of(new long[] {Long.MIN_VALUE}));
        in.put("empty_1d", Tensor.of(new float[0], 0));
        in.put("empty_2d", Tensor.zeros(DType.INT64, 3, 0));
        in.put("after", Tensor.of(new double[] {-7.25}, 1));
        Path f = dir.resolve("edge.safetensors");
        SafeTensors.write(f, in);
        try (SafeTensorsReader r = SafeTensors.open(f)) {
            assertArrayEquals(new long[0], r.shape("scalar_f32"));
            assertEquals(r.info("empty_1d").begin(), r.info("empty_1d").end(), "an empty tensor takes no bytes");
            Tensor s = r.get("scalar_f32");
            assertEquals(0, s.rank());
            assertEquals(2.5, s.item());
            assertEquals(Long.MIN_VALUE, r.get("scalar_i64").toLongArray()[0]);
            assertArrayEquals(new long[] {0}, r.get("empty_1d").shape());
            assertArrayEquals(new long[] {3, 0}, r.get("empty_2d").shape());
            assertEquals(DType.INT64, r.get("empty_2d").dtype());
            assertEquals(-7.25, r.get("after").item());
        }
    }

    @Test
    void smallMappingChunksGiveTheSameTensors() throws IOException {
        // tensors copied through many 3-byte mappings (chunk borders inside elements) must not change
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (Case k : cases()) {
            in.put(k.name, k.make.get());
        }
        Path f = dir.resolve("chunks.safetensors");
        SafeTensors.write(f, in);
        try (SafeTensorsReader r = SafeTensorsReader.open(f, 3)) {
            for (Case k : cases()) {
                assertTensor(k, r.get(k.name));
            }
        }
    }

    static void assertTensor(Case k, Tensor t) {
        assertEquals(k.dtype, t.dtype(), k.name + ": dtype");
        assertArrayEquals(k.shape, t.shape(), k.name + ": shape");
        if (k.floats != null) {
            double[] got = t.toDoubleArray();
            assertEquals(k.floats.length, got.length, k.name);
            for (int i = 0; i < got.length; i++) {
                // bit-exact, so that -0.0 and 0.0 differ
                assertEquals(Double.doubleToRawLongBits(k.floats[i]), Double.doubleToRawLongBits(got[i]),
                        k.name + "[" + i + "]: expected " + k.floats[i] + ", got " + got[i]);
            }
        } else {
            assertArrayEquals(k.ints, t.toLongArray(), k.name);
        }
    }

    static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
